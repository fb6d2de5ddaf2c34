"""Export jobs whose message was lost: sent again by the beat sweep, once, and the page says why
it waits. A resent message never runs a job twice."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.exports.services import (
    _export_job_resend,
    export_job_request,
    export_job_run,
    exports_resend_queued,
)
from analytics.models import ExportJob
from analytics.tasks import exports_resend_queued_task
from tests.analytics.exports.test_exports import responses_request, submit

pytestmark = [pytest.mark.hardening, pytest.mark.django_db]

WAITING = b"Waiting for a worker: the export will start as soon as the background worker"


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.EXPORT_REQUEUE_AFTER_SECONDS = 120
    return settings.EXPORT_ROOT


def queued_job(user, clinics, *, sent_seconds_ago: int, **options) -> ExportJob:
    """A job whose task message went nowhere (its on-commit send never ran), sent that long ago."""
    job = export_job_request(user=user, export=responses_request(clinics, **options))
    past = timezone.now() - dt.timedelta(seconds=sent_seconds_ago)
    ExportJob.objects.filter(pk=job.pk).update(created_at=past, sent_at=past)
    job.refresh_from_db()
    return job


def test_sweep_sends_again_only_jobs_still_queued_past_the_limit_and_records_when(
    manager_a, clinic_a, export_root, django_capture_on_commit_callbacks
):
    stale = queued_job(manager_a, [clinic_a], sent_seconds_ago=121)
    fresh = queued_job(manager_a, [clinic_a], sent_seconds_ago=60, bom=True)
    running = queued_job(manager_a, [clinic_a], sent_seconds_ago=600, comments=True)
    ExportJob.objects.filter(pk=running.pk).update(status="running")

    before = timezone.now()
    with django_capture_on_commit_callbacks() as sends:
        assert exports_resend_queued() == 1
    assert len(sends) == 1  # one task message, for the stale job only
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.sent_at >= before and stale.status == "queued"
    assert fresh.sent_at < before


def test_sweep_run_twice_in_a_row_sends_each_stale_job_once(
    manager_a, clinic_a, export_root, django_capture_on_commit_callbacks
):
    queued_job(manager_a, [clinic_a], sent_seconds_ago=300)
    with django_capture_on_commit_callbacks() as sends:
        exports_resend_queued_task.apply()
        exports_resend_queued_task.apply()  # beat started twice
    assert len(sends) == 1


def test_two_sweeps_that_read_the_same_stale_job_at_once_send_it_once(
    manager_a, clinic_a, export_root, django_capture_on_commit_callbacks
):
    job = queued_job(manager_a, [clinic_a], sent_seconds_ago=300)
    with django_capture_on_commit_callbacks() as sends:
        # Both beats listed the job before either marked it sent: the conditional UPDATE decides.
        won = [_export_job_resend(job_id=job.pk, last_sent=job.sent_at) for _beat in range(2)]
    assert won == [1, 0] and len(sends) == 1


def test_asking_again_for_a_job_stuck_in_the_queue_sends_it_again(
    manager_a, clinic_a, export_root, django_capture_on_commit_callbacks
):
    stuck = queued_job(manager_a, [clinic_a], sent_seconds_ago=300)
    with django_capture_on_commit_callbacks() as sends:
        again = export_job_request(user=manager_a, export=responses_request([clinic_a]))
        once_more = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    assert again == once_more == stuck
    assert len(sends) == 1  # the second request found it freshly sent


def test_job_page_says_it_waits_for_a_worker_once_queued_for_more_than_a_moment(
    client, manager_a, clinic_a, export_root
):
    client.force_login(manager_a)
    just_asked = queued_job(manager_a, [clinic_a], sent_seconds_ago=1)
    page = client.get(reverse("exports:job", args=[just_asked.pk])).content
    assert WAITING in page and b"data-export-waiting hidden" in page  # there, but hidden
    assert (
        client.get(reverse("exports:status", args=[just_asked.pk])).json()["waiting_for_worker"]
        is False
    )

    waited = queued_job(manager_a, [clinic_a], sent_seconds_ago=30, bom=True)
    page = client.get(reverse("exports:job", args=[waited.pk])).content
    assert WAITING in page and b"data-export-waiting hidden" not in page
    assert (
        client.get(reverse("exports:status", args=[waited.pk])).json()["waiting_for_worker"] is True
    )


def test_job_page_in_spanish_says_it_waits_for_a_worker(client, manager_a, clinic_a, export_root):
    client.force_login(manager_a)
    job = queued_job(manager_a, [clinic_a], sent_seconds_ago=30)
    page = client.get(reverse("exports:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert "Esperando a un proceso de fondo" in page.content.decode()


def test_a_resent_message_for_a_job_another_message_is_running_does_nothing(
    manager_a, instrument, clinic_a, full_answers, export_root
):
    submit(instrument, clinic_a, full_answers)
    job = queued_job(manager_a, [clinic_a], sent_seconds_ago=300)
    ExportJob.objects.filter(pk=job.pk).update(
        status="running", run_task_id="first-message", started_at=timezone.now(), rows_done=0
    )

    after = export_job_run(job_id=str(job.pk), task_id="resent-message")
    assert (after.status, after.run_task_id, after.file_name) == ("running", "first-message", "")
    assert not export_root.exists() or not any(export_root.iterdir())  # nothing was written

    # The first message delivered again (its worker died) starts the job over and finishes it.
    done = export_job_run(job_id=str(job.pk), task_id="first-message")
    assert (done.status, done.rows_done) == ("done", 1)
    assert export_job_run(job_id=str(job.pk), task_id="resent-message").status == "done"

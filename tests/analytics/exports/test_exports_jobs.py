"""Export jobs hold no rights of their own: access is checked again on run and on every fetch."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from analytics.exports.services import (
    ACCESS_LOST_REASON,
    export_job_request,
    export_job_run,
)
from analytics.models import ExportJob
from feedback.models import ClinicMembership
from tests.analytics.exports.test_exports import exported_frame, responses_request, submit
from tests.conftest import manager_of


@pytest.fixture
def export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"
    return settings.EXPORT_ROOT


def test_manager_who_loses_the_clinic_can_no_longer_fetch_the_job_or_its_file(
    client, manager_a, admin_user, instrument, clinic_a, full_answers, export_root
):
    submit(instrument, clinic_a, full_answers)
    job = export_job_run(
        job_id=str(export_job_request(user=manager_a, export=responses_request([clinic_a])).pk)
    )
    urls = [
        reverse(name, args=[job.pk])
        for name in ("exports:job", "exports:status", "exports:download")
    ]
    client.force_login(manager_a)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]

    ClinicMembership.objects.filter(user=manager_a, clinic=clinic_a).delete()
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.force_login(admin_user)  # admins still see every clinic
    assert len(exported_frame(b"".join(client.get(urls[2]).streaming_content))) == 1


def test_job_over_several_clinics_is_refused_once_any_one_of_them_is_lost(
    client, instrument, clinic_a, clinic_b, full_answers, export_root
):
    manager = manager_of(clinic_a, clinic_b, username="manager_ab")
    submit(instrument, clinic_a, full_answers)
    job = export_job_run(
        job_id=str(
            export_job_request(user=manager, export=responses_request([clinic_a, clinic_b])).pk
        )
    )
    download = reverse("exports:download", args=[job.pk])
    client.force_login(manager)
    assert client.get(download).status_code == 200
    ClinicMembership.objects.filter(user=manager, clinic=clinic_b).delete()
    assert client.get(download).status_code == 404


def test_queued_job_whose_requester_lost_the_clinic_fails_with_a_reason_when_run(
    manager_a, admin_user, client, instrument, clinic_a, full_answers, export_root
):
    submit(instrument, clinic_a, full_answers)
    job = export_job_request(user=manager_a, export=responses_request([clinic_a]))
    assert job.status == ExportJob.Status.QUEUED
    ClinicMembership.objects.filter(user=manager_a).delete()

    job = export_job_run(job_id=str(job.pk))
    assert (job.status, job.error, job.file_name) == ("failed", ACCESS_LOST_REASON, "")
    assert job.finished_at is not None
    assert not export_root.exists() or not any(export_root.iterdir())  # nothing was written
    client.force_login(admin_user)
    status = client.get(reverse("exports:status", args=[job.pk])).json()
    assert (status["status"], status["error"]) == ("failed", ACCESS_LOST_REASON)


def test_the_export_list_tells_the_requester_why_a_job_failed(
    client, instrument, clinic_a, clinic_b, full_answers, export_root
):
    manager = manager_of(clinic_a, clinic_b, username="manager_ab")
    submit(instrument, clinic_a, full_answers)
    job = export_job_request(user=manager, export=responses_request([clinic_a, clinic_b]))
    ClinicMembership.objects.filter(user=manager, clinic=clinic_b).delete()
    export_job_run(job_id=str(job.pk))
    client.force_login(manager)  # the job's own page is gone for them; their list says why
    assert ACCESS_LOST_REASON in client.get(reverse("exports:start")).content.decode()


class CompetingExport:
    """Another tab's identical export, timed by watching this connection's statements: it is
    committed just before our insert (which then breaks the one-unfinished-job constraint) and
    finishes just after, before we look for it."""

    def __init__(self, user, export):
        self.user, self.export, self.job, self.step = user, export, None, "waiting"

    def __call__(self, execute, sql, params, many, context):
        if self.step == "waiting" and sql.startswith("SAVEPOINT"):
            self.step = "inserting"
            self.job = ExportJob.objects.create(
                requester=self.user,
                kind=self.export.kind,
                file_format=self.export.file_format,
                filters=self.export.as_json(),
                fingerprint=self.export.fingerprint,
                expires_at=timezone.now(),
            )
            self.step = "racing"
        elif self.step == "racing" and sql.startswith("INSERT") and "analytics_exportjob" in sql:
            self.step = "lost"
        elif self.step == "lost" and "analytics_exportjob" in sql and "SELECT" in sql:
            self.step = "finishing"
            ExportJob.objects.filter(pk=self.job.pk).update(status=ExportJob.Status.DONE)
            self.step = "done"
        return execute(sql, params, many, context)


def test_identical_export_that_finishes_during_our_request_does_not_break_it(
    manager_a, clinic_a, export_root
):
    export = responses_request([clinic_a])
    competing = CompetingExport(manager_a, export)
    with connection.execute_wrapper(competing):
        job = export_job_request(user=manager_a, export=export)
    assert competing.step == "done"  # the race happened as described
    assert job.pk != competing.job.pk and job.status == ExportJob.Status.QUEUED
    assert list(ExportJob.objects.values_list("status", flat=True).order_by("status")) == [
        "done",
        "queued",
    ]

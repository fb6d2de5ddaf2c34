"""A real Celery worker builds a large export: progress moves, then the file is complete."""

import datetime as dt
import io
import threading
import time

import pandas as pd
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from analytics.models import ExportJob
from analytics.tasks import exports_resend_queued_task
from feedback.models import ClinicMembership, Response
from feedback.services import response_submit
from tests.integration.conftest import worker_broker_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RESPONSES = 240
CHUNK_ROWS = 8  # 30 chunks: 30 progress updates to watch


@pytest.fixture
def export_runs(task_runs):
    return task_runs("analytics.exports.tasks.export_job_run")


def test_worker_exports_with_moving_progress_and_completes_the_file(
    worker, export_runs, client, settings, tmp_path, instrument, clinic_a, full_answers
):
    settings.EXPORT_ROOT = tmp_path
    settings.EXPORT_ASYNC_THRESHOLD = 50
    settings.EXPORT_CHUNK_ROWS = CHUNK_ROWS
    noon = timezone.make_aware(dt.datetime(2026, 3, 10, 12))
    for number in range(RESPONSES):
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            language="en",
            answers={**full_answers, "empathy_feelings": 1 + number % 5},
            comment=f'Comment {number}, with "quotes"\nand a line',
            now=noon + dt.timedelta(minutes=number),
        )
    manager = User.objects.create_user("manager_a", password="x")
    ClinicMembership.objects.create(user=manager, clinic=clinic_a)
    client.force_login(manager)

    reply = client.post(
        reverse("exports:start"),
        {
            "kind": "responses",
            "file_format": "csv",
            "period": "custom",
            "start": "2026-03-01",
            "end": "2026-03-31",
            "comments": "on",
        },
    )
    assert reply.status_code == 302
    job_id = reply.url.rstrip("/").rsplit("/", 1)[-1]
    status_url = reverse("exports:status", args=[job_id])

    seen: list[int] = []
    deadline = time.monotonic() + 60
    while True:
        job = ExportJob.objects.get(pk=job_id)
        seen.append(job.rows_done)
        if job.is_finished:
            break
        assert time.monotonic() < deadline, f"export did not finish; progress seen {set(seen)}"
        time.sleep(0.002)

    assert job.status == "done", job.error
    assert job.rows_total == job.rows_done == RESPONSES
    intermediate = sorted({value for value in seen if 0 < value < RESPONSES})
    assert len(intermediate) >= 2, f"progress never seen moving: {sorted(set(seen))}"
    assert all(value % CHUNK_ROWS == 0 for value in intermediate)  # a chunk at a time
    assert seen == sorted(seen)  # never goes backwards

    status = client.get(status_url).json()
    assert status["status"] == "done" and status["download_url"]
    body = b"".join(client.get(status["download_url"]).streaming_content)
    frame = pd.read_csv(io.BytesIO(body), keep_default_na=False, na_values=[""])
    assert len(frame) == RESPONSES
    stored = dict(Response.objects.values_list("pk", "comment"))
    assert dict(zip(frame["response_id"], frame["comment"], strict=True)) == stored
    assert export_runs and all(
        run.thread != threading.main_thread().name and not run.eager for run in export_runs
    )  # the worker ran it


@pytest.mark.hardening
def test_export_asked_for_while_the_broker_is_down_waits_then_the_sweep_sends_it_to_a_worker(
    celery_on_redis,
    broker_unreachable,
    export_runs,
    client,
    settings,
    tmp_path,
    instrument,
    clinic_a,
    full_answers,
    caplog,
):
    settings.EXPORT_ROOT = tmp_path
    settings.EXPORT_ASYNC_THRESHOLD = 5
    noon = timezone.make_aware(dt.datetime(2026, 3, 10, 12))
    for number in range(8):
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            language="en",
            answers=full_answers,
            now=noon + dt.timedelta(minutes=number),
        )
    manager = User.objects.create_user("manager_a", password="x")
    ClinicMembership.objects.create(user=manager, clinic=clinic_a)
    client.force_login(manager)
    asked = {
        "kind": "responses",
        "file_format": "csv",
        "period": "custom",
        "start": "2026-03-01",
        "end": "2026-03-31",
    }

    with broker_unreachable():
        started = time.monotonic()
        reply = client.post(reverse("exports:start"), asked)
        assert reply.status_code == 302 and time.monotonic() - started < 5
        assert client.post(reverse("exports:start"), asked).url == reply.url  # same job
    job_id = reply.url.rstrip("/").rsplit("/", 1)[-1]
    assert ExportJob.objects.get(pk=job_id).status == "queued"
    assert "left to the periodic jobs" in caplog.text  # the lost send is logged
    queued = redis.Redis.from_url(worker_broker_url()).lrange("celery", 0, -1)
    assert not [m for m in queued if b"export_job_run" in m]  # the export task was never sent

    # A while later (backdated rather than waited for), the page tells the manager why.
    past = timezone.now() - dt.timedelta(seconds=settings.EXPORT_REQUEUE_AFTER_SECONDS + 1)
    ExportJob.objects.filter(pk=job_id).update(created_at=past, sent_at=past)
    page = client.get(reverse("exports:job", args=[job_id])).content.decode()
    assert "Waiting for a worker: the export will start as soon as the background" in page
    assert "data-export-waiting hidden" not in page

    with start_worker(
        celery_on_redis,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        exports_resend_queued_task.delay()  # what beat sends every minute
        deadline = time.monotonic() + 30
        while not (job := ExportJob.objects.get(pk=job_id)).is_finished:
            assert time.monotonic() < deadline, "the resent export never ran"
            time.sleep(0.05)

    assert (job.status, job.rows_done) == ("done", 8), job.error
    assert [run.eager for run in export_runs] == [False]  # run once, by the worker
    status = client.get(reverse("exports:status", args=[job_id])).json()
    assert status["waiting_for_worker"] is False and status["download_url"]

"""A real Celery worker builds a large export: progress moves, then the file is complete."""

import datetime as dt
import io
import threading
import time

import pandas as pd
import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from analytics.models import ExportJob
from feedback.models import ClinicMembership, Response
from feedback.services import response_submit

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
        response_submit(instrument=instrument, clinic=clinic_a, language="en",
                        answers={**full_answers, "empathy_feelings": 1 + number % 5},
                        comment=f"Comment {number}, with \"quotes\"\nand a line",
                        now=noon + dt.timedelta(minutes=number))
    manager = User.objects.create_user("manager_a", password="x")
    ClinicMembership.objects.create(user=manager, clinic=clinic_a)
    client.force_login(manager)

    reply = client.post(reverse("exports:start"), {
        "kind": "responses", "file_format": "csv", "period": "custom", "start": "2026-03-01",
        "end": "2026-03-31", "comments": "on",
    })
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
    assert export_runs and all(run.thread != threading.main_thread().name and not run.eager
                               for run in export_runs)  # the worker ran it

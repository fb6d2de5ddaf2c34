"""A real Celery worker on Redis runs the daily alert job twice (as two beats would send it):
each manager of the clinic gets the signal's e-mail once."""

import datetime as dt
import time

import pytest
from django.core import mail
from django.utils import timezone

from analytics.alerts.models import TrendAlert
from analytics.alerts.services import last_complete_week
from analytics.rollups.services import dirty_buckets_drain
from feedback.services import response_submit
from tests.conftest import manager_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_worker_mails_a_detractor_alert_once_when_the_job_is_sent_twice(
    worker, task_runs, instrument, clinic_a, full_answers
):
    runs = task_runs("analytics.tasks.trend_alerts_run")
    for username in ("first", "second"):
        manager = manager_of(clinic_a, username=username)
        manager.email = f"{username}@clinic.example"
        manager.save()
    monday = last_complete_week(clinic=clinic_a, now=timezone.now())
    for number in range(12):  # 3 of 12 detractors: 0.25, the default alert level
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers={**full_answers, "recommend": 6 if number < 3 else 9},
            language="en",
            now=timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(12)), clinic_a.tzinfo
            ),
        )
    dirty_buckets_drain()

    for _beat in range(2):
        worker.send_task("analytics.tasks.trend_alerts_run")
    deadline = time.monotonic() + 30
    while len(runs) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)

    assert sorted(run.result for run in runs) == [0, 2]
    assert all(not run.eager for run in runs)
    assert sorted(m.to[0] for m in mail.outbox) == ["first@clinic.example", "second@clinic.example"]
    assert TrendAlert.objects.get().recipients == 2

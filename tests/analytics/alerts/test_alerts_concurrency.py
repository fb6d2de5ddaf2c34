"""Two alert jobs at once (two beats, or a retry overlapping a slow run), on separate
connections: each signal is still recorded once and mailed once to each manager."""

import threading

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection

from analytics.alerts.models import TrendAlert
from analytics.alerts.services import ALERT_WINDOW_WEEKS, trend_alerts_run
from tests.analytics.alerts.test_alerts import LAST_WEEK, NOW, empathy_weeks
from tests.conftest import manager_of

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_second_job_while_the_first_is_mailing_sends_nothing_more(
    instrument, clinic_a, monkeypatch
):
    for username in ("first", "second"):
        manager = manager_of(clinic_a, username=username)
        manager.email = f"{username}@clinic.example"
        manager.save()
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)

    original_send = EmailMessage.send
    first_is_mailing, second_is_done = threading.Event(), threading.Event()

    def send_slowly_in_the_first_job(message, *args, **kwargs):
        if threading.current_thread().name == "first-job":
            first_is_mailing.set()
            assert second_is_done.wait(20)
        return original_send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", send_slowly_in_the_first_job)
    results, errors = {}, []

    def first_job():
        try:
            results["first"] = trend_alerts_run(now=NOW)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            first_is_mailing.set()
            connection.close()

    first = threading.Thread(target=first_job, name="first-job")
    first.start()
    assert first_is_mailing.wait(20)
    # The first job holds the signal's row lock while it mails: the second skips it.
    results["second"] = trend_alerts_run(now=NOW)
    second_is_done.set()
    first.join(30)
    assert errors == []
    assert results == {"first": 2, "second": 0}
    assert sorted(m.to[0] for m in mail.outbox) == ["first@clinic.example", "second@clinic.example"]
    assert TrendAlert.objects.get().recipients == 2

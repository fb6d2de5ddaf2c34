"""Signal alerts: found on complete weeks from the rollups, mailed once to each manager who
wants them, in their language, with a link to the very chart that signalled."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from analytics.alerts.models import StaffMailPreference, TrendAlert
from analytics.alerts.services import (
    ALERT_WINDOW_WEEKS,
    last_complete_week,
    trend_alerts_record,
    trend_alerts_run,
)
from analytics.models import DimensionClinicDayRollup
from analytics.rollups.services import dirty_buckets_drain
from feedback.services import response_submit
from tests.conftest import manager_of

pytestmark = pytest.mark.django_db

# A Wednesday: the current week (from Monday 23 November) is partial; the last complete week is
# 16-22 November 2026 in the clinic's time zone (America/New_York).
NOW = dt.datetime(2026, 11, 25, 17, 0, tzinfo=dt.UTC)
LAST_WEEK = dt.date(2026, 11, 16)


@pytest.fixture
def managers_a(clinic_a):
    """Two managers of clinic A with addresses; a manager of clinic B too (who gets nothing)."""
    first = manager_of(clinic_a, username="first")
    second = manager_of(clinic_a, username="second")
    for user in (first, second):
        user.email = f"{user.username}@clinic.example"
        user.save()
    return first, second


def recommend_week(instrument, clinic, full_answers, *, monday, detractors, total):
    """``total`` answers in the week of ``monday``: ``detractors`` of them 6, the rest 9."""
    for number in range(total):
        response_submit(
            instrument=instrument,
            clinic=clinic,
            answers={**full_answers, "recommend": 6 if number < detractors else 9},
            language="en",
            now=timezone.make_aware(
                dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(10)), clinic.tzinfo
            ),
        )


def empathy_weeks(clinic, means: list[float], *, last_monday: dt.date, n: int = 10) -> None:
    """Clinic-day rollup rows (one per week, on its Wednesday), every respondent at the mean."""
    first = last_monday - dt.timedelta(weeks=len(means) - 1)
    DimensionClinicDayRollup.objects.bulk_create(
        DimensionClinicDayRollup(
            clinic=clinic,
            local_date=first + dt.timedelta(weeks=k, days=2),
            dimension="empathy",
            n=n,
            score_sum=n * mean,
            score_sumsq=n * mean * mean,
            answered_items=3 * n,
            top_box_items=0,
        )
        for k, mean in enumerate(means)
    )


def test_the_last_complete_week_is_the_one_before_the_current_week_in_the_clinics_zone(clinic_a):
    assert last_complete_week(clinic=clinic_a, now=NOW) == LAST_WEEK
    # Monday 03:00 UTC is still Sunday evening in New York: the week of the 16th is not over.
    sunday_evening = dt.datetime(2026, 11, 23, 3, 0, tzinfo=dt.UTC)
    assert last_complete_week(clinic=clinic_a, now=sunday_evening) == dt.date(2026, 11, 9)


def test_a_signal_is_mailed_once_to_each_manager_even_when_the_job_runs_twice(
    instrument, clinic_a, managers_a, manager_b
):
    # 14 steady weeks (70, 72, ...) then 50 in the last complete week: below the lower limit.
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    assert trend_alerts_run(now=NOW) == 2
    assert trend_alerts_run(now=NOW) == 0
    assert sorted(message.to[0] for message in mail.outbox) == [
        "first@clinic.example",
        "second@clinic.example",
    ]
    alert = TrendAlert.objects.get()
    assert (alert.dimension, alert.kind, alert.week, alert.value, alert.n) == (
        "empathy",
        "beyond_limit",
        LAST_WEEK,
        50.0,
        10,
    )
    assert alert.sent_at is not None and alert.recipients == 2
    message = mail.outbox[0]
    assert (
        message.subject == "Riverside Family Clinic: Empathy, Beyond a limit (week of 2026-11-16)"
    )
    assert "The week's score was 50.0 out of 100, from 10 responses." in message.body
    # The link shows the 13 weeks judged, weekly, for this clinic, at the empathy trend.
    assert (
        f"http://testserver/dashboard/?clinic={clinic_a.pk}&dimension=empathy&period=custom"
        "&start=2026-08-24&end=2026-11-22&granularity=week#title-trend-empathy"
    ) in message.body.replace("http://localhost:8000", "http://testserver")


def test_recording_twice_keeps_one_row_per_signal(instrument, clinic_a):
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    trend_alerts_record(now=NOW)
    trend_alerts_record(now=NOW + dt.timedelta(hours=1))
    assert TrendAlert.objects.count() == 1


def test_a_manager_who_turned_alerts_off_gets_none(instrument, clinic_a, managers_a):
    first, second = managers_a
    StaffMailPreference.objects.create(user=second, signal_alerts=False)
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    assert trend_alerts_run(now=NOW) == 1
    assert [message.to for message in mail.outbox] == [["first@clinic.example"]]


def test_alerts_are_written_in_the_language_the_manager_chose(instrument, clinic_a, managers_a):
    StaffMailPreference.objects.create(user=managers_a[0], language="es")
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    trend_alerts_run(now=NOW)
    spanish = next(m for m in mail.outbox if m.to == ["first@clinic.example"])
    english = next(m for m in mail.outbox if m.to == ["second@clinic.example"])
    assert spanish.subject.startswith("Riverside Family Clinic: Empatía")
    assert "semana" in spanish.body
    assert "week" in english.body


@pytest.mark.parametrize(("detractors", "total", "alerted"), [(3, 12, True), (3, 13, False)])
def test_detractor_share_alerts_at_the_threshold_and_not_just_below_it(
    instrument, clinic_a, full_answers, managers_a, detractors, total, alerted
):
    # The week before: 2 detractors of 10 (0.20); the last week 3 of 12 (0.25, at the default
    # ALERT_DETRACTOR_SHARE) alerts, 3 of 13 (0.2308) does not.
    before = LAST_WEEK - dt.timedelta(weeks=1)
    recommend_week(instrument, clinic_a, full_answers, monday=before, detractors=2, total=10)
    recommend_week(
        instrument, clinic_a, full_answers, monday=LAST_WEEK, detractors=detractors, total=total
    )
    dirty_buckets_drain()
    trend_alerts_run(now=NOW)
    shares = list(
        TrendAlert.objects.filter(kind="detractor_share").values_list("week", "value", "n")
    )
    if alerted:
        assert shares == [(LAST_WEEK, 0.25, 12)]
        assert len(mail.outbox) == 2
        assert "25% of the 12 patients who answered" in mail.outbox[0].body
        assert mail.outbox[0].body.count("#title-recommend") == 1
    else:
        assert shares == [] and mail.outbox == []


def test_the_partial_current_week_never_alerts(instrument, clinic_a, full_answers, managers_a):
    # Half the answers this (unfinished) week are detractors; nothing is judged until it ends.
    recommend_week(
        instrument,
        clinic_a,
        full_answers,
        monday=LAST_WEEK + dt.timedelta(weeks=1),
        detractors=6,
        total=12,
    )
    dirty_buckets_drain()
    assert trend_alerts_run(now=NOW) == 0
    assert TrendAlert.objects.count() == 0 and mail.outbox == []
    # Once that week is over, it is judged.
    assert trend_alerts_run(now=NOW + dt.timedelta(weeks=1)) == 2


def test_the_manager_of_another_clinic_is_not_told(instrument, clinic_a, clinic_b, manager_b):
    manager_b.email = "b@clinic.example"
    manager_b.save()
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    assert trend_alerts_run(now=NOW) == 0
    assert TrendAlert.objects.get().recipients == 0


def test_the_alert_link_opens_the_chart_that_signalled(client, instrument, clinic_a, managers_a):
    steady = [70.0 if k % 2 == 0 else 72.0 for k in range(ALERT_WINDOW_WEEKS + 1)]
    empathy_weeks(clinic_a, [*steady, 50.0], last_monday=LAST_WEEK)
    trend_alerts_run(now=NOW)
    [link] = [line for line in mail.outbox[0].body.splitlines() if "/dashboard/?" in line]
    client.force_login(managers_a[0])
    page = client.get(link.removeprefix(settings.SITE_URL))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="title-trend-empathy"' in html
    # The chart's data table holds the 13 weeks judged, the last one at 50.
    assert "2026-08-24" in html and "2026-11-16" in html and "2026-08-17" not in html
    # ...and the dashboard marks the same signal on the same week as the alert.
    rows = re.findall(r'<tr><th scope="row">2026-11-16</th>.*?</tr>', html)
    [empathy] = [row for row in rows if "<td>10</td><td>50.0</td>" in row]
    assert "Beyond a limit" in empathy

"""Recomputes of different days of one clinic-month at the same time, on separate connections.

A month row is shared by every day of its month, so two drains that claimed different days of
it must take turns at it: otherwise the second inserts a month row the first just inserted (a
unique violation), or sums the days without the first one's.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from analytics.models import ResponseClinicMonthRollup
from analytics.rollups.services import dirty_buckets_drain, rollups_rebuild_for_buckets
from feedback.services import response_submit
from tests.analytics.rollups.test_rollups_day import assert_day_rollups_are_the_fine_ones_summed

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FEBRUARY_3 = dt.datetime(2026, 2, 3, 17, 0, tzinfo=dt.UTC)
FEBRUARY_10 = dt.datetime(2026, 2, 10, 17, 0, tzinfo=dt.UTC)


def test_two_days_of_one_month_recomputed_at_once_both_count_in_the_month(
    instrument, clinic_a, full_answers
):
    def submit(when, count):
        for k in range(count):
            response_submit(
                instrument=instrument,
                clinic=clinic_a,
                language="en",
                answers={item: 4 for item in full_answers},
                channel="email",
                now=when + dt.timedelta(minutes=k),
            )

    submit(FEBRUARY_3, 2)
    submit(FEBRUARY_10, 2)
    dirty_buckets_drain()
    submit(FEBRUARY_3, 3)  # stored, not yet in the rollups
    submit(FEBRUARY_10, 4)
    first_recomputed, first_may_commit = threading.Event(), threading.Event()
    errors = []

    def recompute(day, *, hold: bool):
        try:
            with transaction.atomic():
                rollups_rebuild_for_buckets(buckets=[(clinic_a.pk, day)])
                if hold:
                    first_recomputed.set()
                    assert first_may_commit.wait(20)
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            first_recomputed.set()
            connection.close()

    first = threading.Thread(target=recompute, args=(FEBRUARY_3.date(),), kwargs={"hold": True})
    second = threading.Thread(target=recompute, args=(FEBRUARY_10.date(),), kwargs={"hold": False})
    first.start()
    assert first_recomputed.wait(20)
    second.start()
    second.join(1.0)
    assert second.is_alive(), "the second recompute waits for the first's month"
    first_may_commit.set()
    first.join(20)
    second.join(20)

    assert errors == []
    february = ResponseClinicMonthRollup.objects.get(
        clinic=clinic_a, local_date=dt.date(2026, 2, 1)
    )
    assert february.responses == 2 + 2 + 3 + 4
    assert_day_rollups_are_the_fine_ones_summed()

"""The migration that fills the clinic-month rollups from the clinic-day rows already there."""

import datetime as dt
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from analytics.models import (
    DimensionClinicDayRollup,
    DimensionClinicMonthRollup,
    ItemClinicDayRollup,
    ItemClinicMonthRollup,
    ResponseClinicDayRollup,
    ResponseClinicMonthRollup,
)

migration = importlib.import_module("analytics.migrations.0008_clinic_month_rollups")

pytestmark = pytest.mark.django_db


def test_existing_clinic_days_are_summed_into_their_months(clinic_a, clinic_b):
    days = [
        (clinic_a, dt.date(2026, 1, 31), 3),
        (clinic_a, dt.date(2026, 2, 1), 4),
        (clinic_a, dt.date(2026, 2, 28), 5),
        (clinic_b, dt.date(2026, 2, 10), 7),
    ]
    for clinic, day, count in days:
        ResponseClinicDayRollup.objects.create(
            clinic=clinic,
            local_date=day,
            responses=count,
            invitations_sent=2 * count,
            invitations_answered=count - 1,
        )
        DimensionClinicDayRollup.objects.create(
            clinic=clinic,
            local_date=day,
            dimension="empathy",
            n=count,
            score_sum=10.5 * count,
            score_sumsq=200.25 * count,
            answered_items=3 * count,
            top_box_items=count,
            promoters=0,
            detractors=0,
        )
        ItemClinicDayRollup.objects.create(
            clinic=clinic, local_date=day, item="recommend", answers=count, top_box=count // 2
        )

    # What the function uses of a schema editor; SQLite's own cannot open inside a test's
    # transaction.
    migration.clinic_month_rollups_fill(apps, SimpleNamespace(connection=connection))

    assert sorted(
        ResponseClinicMonthRollup.objects.values_list(
            "clinic__name", "local_date", "responses", "invitations_sent", "invitations_answered"
        )
    ) == sorted(
        [
            (clinic_a.name, dt.date(2026, 1, 1), 3, 6, 2),
            (clinic_a.name, dt.date(2026, 2, 1), 9, 18, 7),  # 4 + 5, 8 + 10, 3 + 4
            (clinic_b.name, dt.date(2026, 2, 1), 7, 14, 6),
        ]
    )
    february = DimensionClinicMonthRollup.objects.get(
        clinic=clinic_a, local_date=dt.date(2026, 2, 1)
    )
    assert (february.n, february.answered_items, february.top_box_items) == (9, 27, 9)
    assert february.score_sum == pytest.approx(10.5 * 9)
    assert february.score_sumsq == pytest.approx(200.25 * 9)
    assert (
        ItemClinicMonthRollup.objects.get(clinic=clinic_a, local_date=dt.date(2026, 2, 1)).top_box
        == 2 + 2
    )

"""intervention_effects: before/after sums from the rollups, hand-calculated."""

import datetime as dt

import pytest

from analytics.interventions.effects import _signals_after
from analytics.interventions.selectors import intervention_effects
from analytics.interventions.services import intervention_create
from analytics.rollups.services import dirty_buckets_drain
from analytics.stats import Moments
from analytics.stats.spc import Signal
from feedback.models import Provider
from feedback.services import instrument_definition, response_submit

pytestmark = pytest.mark.django_db
START, END = dt.date(2026, 3, 10), dt.date(2026, 3, 12)
WINDOW = 30  # before 2026-02-08..03-09, after 2026-03-13..04-11


def answered(instrument, clinic, values, *, day, provider=None):
    """One response per value, every 1-5 item answered with it (empathy = 25 * (value - 1))."""
    definition = instrument_definition(instrument)
    for i, value in enumerate(values):
        answers = {item.id: (9 if item.scale.max == 10 else value) for item in definition.items}
        response_submit(
            instrument=instrument,
            clinic=clinic,
            provider=provider,
            answers=answers,
            language="en",
            now=dt.datetime.combine(day, dt.time(15, i), tzinfo=dt.UTC),
        )


def empathy(effect):
    return next(row for row in effect.dimensions if row.dimension == "empathy")


def test_whole_clinic_effect_is_the_welch_difference_of_the_two_windows(
    instrument, clinic_a, manager_a
):
    answered(instrument, clinic_a, [3] * 5 + [4] * 5, day=dt.date(2026, 2, 20))  # 50s and 75s
    answered(instrument, clinic_a, [4] * 5 + [5] * 5, day=dt.date(2026, 3, 20))  # 75s and 100s
    answered(instrument, clinic_a, [1] * 10, day=dt.date(2026, 3, 11))  # during: left out
    answered(instrument, clinic_a, [1] * 10, day=dt.date(2026, 1, 5))  # before the window
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Active listening workshop",
        kind="training",
        start_date=START,
        end_date=END,
    )

    (effect,) = intervention_effects(
        clinic_ids=[clinic_a.pk],
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 3, 31),
        window_days=WINDOW,
        today=dt.date(2026, 6, 1),
    )

    assert effect.windows.before == (dt.date(2026, 2, 8), dt.date(2026, 3, 9))
    assert effect.windows.after == (dt.date(2026, 3, 13), dt.date(2026, 4, 11))
    assert effect.after_complete and effect.covers_whole_clinic
    row = empathy(effect)
    # Before: five 50s and five 75s, mean 62.5, s^2 = 10 * 12.5^2 / 9 = 173.611; after the
    # same spread around 87.5. se = sqrt(2 * 173.611 / 10) = 5.892557, df = 18,
    # t(0.975, 18) = 2.100922: 25 -/+ 12.379803.
    assert (row.covered.before.n, row.covered.before.mean) == (10, 62.5)
    assert (row.covered.after.n, row.covered.after.mean) == (10, 87.5)
    assert row.covered.difference.difference == pytest.approx(25.0)
    assert row.covered.difference.se == pytest.approx(5.892557, abs=1e-6)
    assert row.covered.difference.df == pytest.approx(18.0)
    assert row.covered.difference.lower == pytest.approx(12.620197, abs=1e-5)
    assert row.covered.difference.upper == pytest.approx(37.379803, abs=1e-5)
    assert row.comparison is None and row.difference_in_differences is None
    assert row.signals_after is None  # one weekly point on each side: too few to tell


def test_chosen_providers_get_the_other_providers_as_a_comparison_group(
    instrument, clinic_a, provider_a, manager_a
):
    other = Provider.objects.create(clinic=clinic_a, display_name="Dr. Otto Other")
    answered(instrument, clinic_a, [3] * 10, day=dt.date(2026, 2, 20), provider=provider_a)
    answered(instrument, clinic_a, [4] * 10, day=dt.date(2026, 3, 20), provider=provider_a)
    answered(instrument, clinic_a, [3] * 10, day=dt.date(2026, 2, 21), provider=other)
    answered(instrument, clinic_a, [3] * 5 + [4] * 5, day=dt.date(2026, 3, 21), provider=other)
    answered(instrument, clinic_a, [1] * 10, day=dt.date(2026, 3, 22))  # kiosk: in neither
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a,
        clinic=clinic_a,
        title="Coaching",
        kind="coaching",
        start_date=START,
        providers=[provider_a],
    )

    (effect,) = intervention_effects(
        clinic_ids=[clinic_a.pk],
        period_start=START,
        period_end=START,
        window_days=WINDOW,
        today=dt.date(2026, 6, 1),
    )

    row = empathy(effect)
    assert effect.provider_names == ("Dr. Ana Ortiz",)
    assert (row.covered.before.mean, row.covered.after.mean) == (50.0, 75.0)
    assert (row.comparison.before.mean, row.comparison.after.mean) == (50.0, 62.5)
    assert row.comparison.after.n == 10
    # Covered +25, others +12.5: difference in differences 12.5 (descriptive).
    assert row.difference_in_differences == pytest.approx(12.5)


def test_too_few_responses_after_it_gives_no_effect_figure(instrument, clinic_a, manager_a):
    answered(instrument, clinic_a, [3] * 12, day=dt.date(2026, 2, 20))
    answered(instrument, clinic_a, [5] * 9, day=dt.date(2026, 3, 20))
    dirty_buckets_drain()
    intervention_create(
        actor=manager_a, clinic=clinic_a, title="Rota", kind="staffing", start_date=START
    )

    (effect,) = intervention_effects(
        clinic_ids=[clinic_a.pk], period_start=START, period_end=START, window_days=WINDOW
    )

    row = empathy(effect)
    assert row.covered.suppressed and row.covered.difference is None
    assert row.covered.after is None and row.covered.before.mean == 50.0


def test_only_interventions_overlapping_the_period_and_of_the_given_clinics_are_returned(
    clinic_a, clinic_b, manager_a, admin_user, instrument
):
    def record(clinic, start, end=None):
        return intervention_create(
            actor=admin_user,
            clinic=clinic,
            title=str(start),
            kind="other",
            start_date=start,
            end_date=end,
        ).pk

    inside = record(clinic_a, dt.date(2026, 3, 5))
    spanning = record(clinic_a, dt.date(2026, 2, 1), dt.date(2026, 3, 2))
    record(clinic_a, dt.date(2026, 2, 1))  # one day, before the period
    record(clinic_b, dt.date(2026, 3, 5))  # another clinic

    found = intervention_effects(
        clinic_ids=[clinic_a.pk], period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    assert [e.intervention_id for e in found] == [inside, spanning]


def test_signals_after_are_judged_against_the_limits_of_the_weeks_before():
    monday = dt.date(2026, 1, 5)
    points = {
        ("before", monday + dt.timedelta(weeks=k)): Moments.of([50 + 2 * (k % 2)] * 10)
        for k in range(12)
    }
    # Centre 51, mean moving range 2: limits 45.68 and 56.32. Seven weeks at 70 after it.
    points |= {
        ("after", monday + dt.timedelta(weeks=13 + k)): Moments.of([70] * 10) for k in range(7)
    }
    assert _signals_after(points, 10) == (Signal.BEYOND_LIMIT, Signal.SHIFT, Signal.TWO_OF_THREE)
    steady = {**points, **{key: Moments.of([51] * 10) for key in points if key[0] == "after"}}
    assert _signals_after(steady, 10) == ()
    small = {**points, **{key: Moments.of([70] * 9) for key in points if key[0] == "after"}}
    assert _signals_after(small, 10) is None  # every week after it is hidden

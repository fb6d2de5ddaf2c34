"""Day rollups: always the exact sums of the fine ones, and what the dashboard reads by default."""

import datetime as dt

import pytest
from django.db.models import DateField, Sum
from django.db.models.functions import Trunc

from analytics.models import (
    DimensionClinicDayRollup,
    DimensionClinicMonthRollup,
    DimensionDayRollup,
    DimensionRollup,
    ItemClinicDayRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseClinicDayRollup,
    ResponseDayRollup,
    ResponseRollup,
)
from analytics.rollups.grains import COARSE_GRAINS, DIMENSION_GRAINS, ITEM_GRAINS, RESPONSE_GRAINS
from analytics.rollups.selectors import (
    RollupFilter,
    dimension_rollups,
    dimension_totals,
    item_totals,
    response_total,
)
from analytics.rollups.services import (
    dirty_buckets_drain,
    rollups_rebuild,
    rollups_rebuild_for_buckets,
)
from analytics.rollups.sources import RollupRows
from feedback.models import Response
from feedback.services import response_submit

pytestmark = pytest.mark.django_db

# The responses' twelve days run from January into February: two months, neither whole.
NOON_UTC = dt.datetime(2026, 1, 27, 17, 0, tzinfo=dt.UTC)
FIRST_DAY = dt.date(2026, 1, 27)
FLOAT_SUMS = {"score_sum", "score_sumsq"}


def fine_summed(rollup) -> dict[tuple, dict]:
    keys = rollup.key_columns
    fine = rollup.fine.objects.all()
    if rollup.monthly:
        fine = fine.annotate(month=Trunc("local_date", "month", output_field=DateField()))
        keys = tuple("month" if key == "local_date" else key for key in keys)
    rows = fine.values(*keys).annotate(**{f"total_{name}": Sum(name) for name in rollup.sums})
    return {
        tuple(row[key] for key in keys): {name: row[f"total_{name}"] for name in rollup.sums}
        for row in rows
    }


def day_rows(rollup) -> dict[tuple, dict]:
    keys = rollup.key_columns
    rows = rollup.coarse.objects.values(*keys, *rollup.sums)
    found = {
        tuple(row[key] for key in keys): {name: row[name] for name in rollup.sums} for row in rows
    }
    assert len(found) == len(rows), "one day row per key"
    return found


def assert_day_rollups_are_the_fine_ones_summed() -> None:
    for rollup in COARSE_GRAINS:
        expected, found = fine_summed(rollup), day_rows(rollup)
        assert expected, f"no {rollup.fine.__name__} rows to compare"
        assert found.keys() == expected.keys(), rollup.coarse.__name__
        for key, sums in expected.items():
            for name, value in sums.items():
                if name in FLOAT_SUMS:
                    assert found[key][name] == pytest.approx(value), (key, name)
                else:
                    assert found[key][name] == value, (key, name)


@pytest.fixture
def varied_responses(instrument, clinic_a, clinic_b, provider_a, full_answers):
    """Two clinics, a provider or none, several visit types, channels and languages a day."""
    channels, visit_types, languages = (
        ("email", "sms", "qr"),
        ("", "routine", "urgent"),
        ("en", "es"),
    )
    for day in range(12):
        for k in range(1 + day % 4):
            likert = 1 + (day + k) % 5
            answers = {
                item: (day + k) % 11 if item == "recommend" else likert for item in full_answers
            }
            if k == 1:
                answers["empathy_feelings"] = None
            response_submit(
                instrument=instrument,
                clinic=clinic_a if (day + k) % 4 else clinic_b,
                answers=answers,
                language=languages[k % 2],
                channel=channels[(day + k) % 3],
                visit_type=visit_types[(day + k) % 3],
                provider=provider_a if (day + k) % 4 and k != 2 else None,
                now=NOON_UTC + dt.timedelta(days=day, hours=k),
            )


def test_submissions_processed_on_commit_leave_day_rollups_equal_to_the_fine_ones(
    instrument, clinic_a, provider_a, full_answers, django_capture_on_commit_callbacks
):
    from compassion_portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True  # the demo's in-process path, whatever this run's broker
    try:
        for k, channel in enumerate(("email", "sms", "qr", "sms")):
            with django_capture_on_commit_callbacks(execute=True):
                response_submit(
                    instrument=instrument,
                    clinic=clinic_a,
                    answers={item: 3 + k % 3 for item in full_answers},
                    language="en",
                    channel=channel,
                    provider=provider_a if k % 2 else None,
                    now=NOON_UTC + dt.timedelta(hours=k),
                )
    finally:
        app.conf.task_always_eager = saved

    assert ResponseDayRollup.objects.get(provider__isnull=True).responses == 2
    assert ResponseDayRollup.objects.get(provider=provider_a).responses == 2
    assert_day_rollups_are_the_fine_ones_summed()


def test_a_drain_leaves_day_rollups_equal_to_the_fine_ones(varied_responses):
    dirty_buckets_drain()

    assert DimensionDayRollup.objects.count() < DimensionRollup.objects.count()
    assert_day_rollups_are_the_fine_ones_summed()


def test_a_recompute_replaces_stale_day_rows_and_drops_emptied_ones(varied_responses, clinic_a):
    dirty_buckets_drain()
    DimensionDayRollup.objects.update(n=999)
    emptied = Response.objects.filter(clinic=clinic_a).values_list("local_date", flat=True)[0]
    Response.objects.filter(clinic=clinic_a, local_date=emptied).delete()
    buckets = set(Response.objects.values_list("clinic_id", "local_date"))

    rollups_rebuild_for_buckets(buckets=buckets | {(clinic_a.pk, emptied)})

    assert not ItemDayRollup.objects.filter(clinic=clinic_a, local_date=emptied).exists()
    assert_day_rollups_are_the_fine_ones_summed()


def test_a_batched_rebuild_leaves_day_rollups_equal_to_the_fine_ones(varied_responses):
    dirty_buckets_drain()
    ItemDayRollup.objects.update(answers=999)
    ResponseDayRollup.objects.all().delete()

    rollups_rebuild(bulk=False, days_per_batch=5)

    assert_day_rollups_are_the_fine_ones_summed()


@pytest.mark.services
def test_a_bulk_rebuild_leaves_day_rollups_equal_to_the_fine_ones(varied_responses):
    dirty_buckets_drain()
    DimensionDayRollup.objects.update(score_sum=-1)
    ResponseDayRollup.objects.all().delete()

    rollups_rebuild(bulk=True)

    assert_day_rollups_are_the_fine_ones_summed()


@pytest.mark.services
def test_a_partial_bulk_rebuild_leaves_day_rollups_equal_to_the_fine_ones(varied_responses):
    dirty_buckets_drain()
    # Inside the range the fine rows are rebuilt; outside it they are copied as they are,
    # stale values included, and the day rows must still be their sums.
    ItemRollup.objects.filter(local_date__lt=FIRST_DAY + dt.timedelta(days=3)).update(answers=50)
    DimensionDayRollup.objects.update(n=999)

    rollups_rebuild(
        since=FIRST_DAY + dt.timedelta(days=3), until=FIRST_DAY + dt.timedelta(days=8), bulk=True
    )

    assert ItemDayRollup.objects.filter(local_date=FIRST_DAY).first().answers % 50 == 0
    assert_day_rollups_are_the_fine_ones_summed()


def models_read(levels, *wheres, **options):
    return [part.model for part in levels.parts(*wheres, **options)]


def test_reads_use_the_coarsest_rollups_that_can_answer_them(clinic_a):
    whole_clinic = RollupFilter(clinic_ids=[clinic_a.pk], since=FIRST_DAY, until=FIRST_DAY)
    one_provider = RollupFilter(
        clinic_ids=[clinic_a.pk], since=FIRST_DAY, until=FIRST_DAY, provider_id=0
    )
    by_channel = RollupFilter(
        clinic_ids=[clinic_a.pk], since=FIRST_DAY, until=FIRST_DAY, channel="sms"
    )

    assert dimension_rollups(whole_clinic).model is DimensionClinicDayRollup
    assert models_read(ITEM_GRAINS, whole_clinic) == [ItemClinicDayRollup]
    assert models_read(RESPONSE_GRAINS, whole_clinic) == [ResponseClinicDayRollup]
    assert dimension_rollups(whole_clinic, by_provider=True).model is DimensionDayRollup
    assert dimension_rollups(one_provider).model is DimensionDayRollup
    assert models_read(ITEM_GRAINS, one_provider) == [ItemDayRollup]
    assert models_read(RESPONSE_GRAINS, one_provider) == [ResponseDayRollup]
    assert dimension_rollups(by_channel).model is DimensionRollup
    assert models_read(ITEM_GRAINS, by_channel) == [ItemRollup]
    assert models_read(RESPONSE_GRAINS, by_channel) == [ResponseRollup]


def test_whole_months_are_read_from_month_rows_and_the_days_around_them_from_day_rows(clinic_a):
    def where(since, until, **filters):
        return RollupFilter(clinic_ids=[clinic_a.pk], since=since, until=until, **filters)

    # 2026-01-15 .. 2026-04-10 covers February and March whole.
    mid = where(dt.date(2026, 1, 15), dt.date(2026, 4, 10))
    assert mid.whole_months() == (dt.date(2026, 2, 1), dt.date(2026, 3, 31))
    assert where(dt.date(2026, 2, 1), dt.date(2026, 2, 28)).whole_months() == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert where(dt.date(2026, 2, 2), dt.date(2026, 3, 30)).whole_months() is None
    assert where(dt.date(2024, 2, 1), dt.date(2024, 2, 29)).whole_months() is not None  # leap

    month_part, day_part = DIMENSION_GRAINS.parts(mid)
    assert (month_part.model, day_part.model) == (
        DimensionClinicMonthRollup,
        DimensionClinicDayRollup,
    )
    assert models_read(DIMENSION_GRAINS, mid, months=False) == [DimensionClinicDayRollup]
    assert models_read(DIMENSION_GRAINS, mid, by_provider=True) == [DimensionDayRollup]
    assert models_read(DIMENSION_GRAINS, where(mid.since, mid.until, channel="sms")) == [
        DimensionRollup
    ]
    assert models_read(DIMENSION_GRAINS, where(dt.date(2026, 2, 1), dt.date(2026, 3, 31))) == [
        DimensionClinicMonthRollup
    ]


@pytest.fixture
def responses_over_three_months(instrument, clinic_a, clinic_b, provider_a, full_answers):
    """A response every other day from 20 December to 10 March, in two clinics."""
    for day in range(0, 81, 2):
        likert = 1 + day % 5
        response_submit(
            instrument=instrument,
            clinic=clinic_a if day % 3 else clinic_b,
            answers={item: day % 11 if item == "recommend" else likert for item in full_answers},
            language="en",
            channel="email",
            provider=provider_a if day % 3 else None,
            now=dt.datetime(2025, 12, 20, 17, 0, tzinfo=dt.UTC) + dt.timedelta(days=day),
        )


def test_month_and_day_rows_together_give_the_fine_totals_of_any_range(
    responses_over_three_months, clinic_a, clinic_b
):
    dirty_buckets_drain()
    assert_day_rollups_are_the_fine_ones_summed()
    clinics = [clinic_a.pk, clinic_b.pk]
    for since, until in (
        (dt.date(2025, 12, 25), dt.date(2026, 3, 5)),  # Jan, Feb whole
        (dt.date(2026, 1, 1), dt.date(2026, 2, 28)),  # only whole months
        (dt.date(2026, 1, 2), dt.date(2026, 2, 27)),
    ):  # none whole
        where = RollupFilter(clinic_ids=clinics, since=since, until=until)
        fine = {
            (row["clinic_id"], row["dimension"]): row
            for row in DimensionRollup.objects.filter(where.q())
            .values("clinic_id", "dimension")
            .annotate(n=Sum("n"), score_sum=Sum("score_sum"))
        }
        read = dimension_totals(where=where, group_by=("clinic_id",))
        assert [(row["clinic_id"], row["dimension"]) for row in read] == sorted(fine)
        for row in read:
            expected = fine[(row["clinic_id"], row["dimension"])]
            assert row["n"] == expected["n"]
            assert row["score_sum"] == pytest.approx(expected["score_sum"])
        assert (
            response_total(where=where)
            == Response.objects.filter(local_date__range=(since, until)).count()
        )
        assert item_totals(where=where) == list(
            ItemRollup.objects.filter(where.q())
            .values("item")
            .annotate(answers=Sum("answers"), top_box=Sum("top_box"))
            .order_by("item")
        )


def test_a_recompute_names_every_clinic_month_it_replaces():
    months = [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert RollupRows.of_range(
        dt.date(2026, 1, 30), dt.date(2026, 3, 2), [7, 3]
    ).clinic_months == tuple((clinic, month) for clinic in (3, 7) for month in months)
    assert RollupRows.of_buckets(
        [(7, dt.date(2026, 2, 9)), (3, dt.date(2026, 1, 2)), (7, dt.date(2026, 2, 1))]
    ).clinic_months == ((3, dt.date(2026, 1, 1)), (7, dt.date(2026, 2, 1)))


def test_a_recompute_of_one_day_sums_its_whole_month_again(responses_over_three_months, clinic_a):
    dirty_buckets_drain()
    february = DimensionClinicMonthRollup.objects.filter(
        clinic=clinic_a, local_date=dt.date(2026, 2, 1)
    )
    DimensionClinicMonthRollup.objects.update(n=999)
    one_day = Response.objects.filter(clinic=clinic_a, local_date__month=2).first().local_date

    rollups_rebuild_for_buckets(buckets=[(clinic_a.pk, one_day)])

    assert february.filter(n=999).count() == 0
    assert DimensionClinicMonthRollup.objects.filter(n=999).exists()  # other months untouched
    rollups_rebuild(bulk=False, days_per_batch=9)
    assert_day_rollups_are_the_fine_ones_summed()


def test_every_grain_gives_the_same_totals(varied_responses, clinic_a, clinic_b):
    dirty_buckets_drain()
    where = RollupFilter(
        clinic_ids=[clinic_a.pk, clinic_b.pk],
        since=FIRST_DAY,
        until=FIRST_DAY + dt.timedelta(days=11),
    )
    from_day = list(dimension_totals(where=where, group_by=("clinic_id", "provider_id")))
    fine_totals = {
        (row["clinic_id"], row["provider_id"], row["dimension"]): row
        for row in DimensionRollup.objects.filter(where.q())
        .values("clinic_id", "provider_id", "dimension")
        .annotate(n=Sum("n"), score_sum=Sum("score_sum"), promoters=Sum("promoters"))
    }

    assert len(from_day) == len(fine_totals)
    for row in from_day:
        fine = fine_totals[(row["clinic_id"], row["provider_id"], row["dimension"])]
        assert (row["n"], row["promoters"]) == (fine["n"], fine["promoters"])
        assert row["score_sum"] == pytest.approx(fine["score_sum"])
    per_clinic = {
        (row["clinic_id"], row["dimension"]): row
        for row in dimension_totals(where=where, group_by=("clinic_id",))
    }
    assert dimension_rollups(where).model is DimensionClinicDayRollup
    for (clinic_id, dimension), row in per_clinic.items():
        fine = [v for (c, _, d), v in fine_totals.items() if (c, d) == (clinic_id, dimension)]
        assert row["n"] == sum(v["n"] for v in fine)
        assert row["score_sum"] == pytest.approx(sum(v["score_sum"] for v in fine))
    assert len(per_clinic) == len({(c, d) for c, _, d in fine_totals})
    assert response_total(where=where) == Response.objects.count()
    assert item_totals(where=where) == list(
        ItemRollup.objects.filter(where.q())
        .values("item")
        .annotate(answers=Sum("answers"), top_box=Sum("top_box"))
        .order_by("item")
    )

"""Property: rollups summed over any date range and filter equal a direct count of raw responses."""

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.rollups.selectors import RollupFilter, dimension_totals, item_totals, response_total
from analytics.rollups.services import dirty_buckets_drain, rollups_rebuild
from feedback.models import DimensionScore, Response
from feedback.services import instrument_definition, response_submit

pytestmark = pytest.mark.django_db

NOON_UTC = dt.datetime(2026, 5, 4, 16, 0, tzinfo=dt.UTC)  # 12:00 New York, 18:00 Madrid


def answer_sets(definition):
    """Random valid answers: any value on the item's scale, or "does not apply" where offered."""
    per_item = {}
    for item in definition.items:
        values = st.integers(item.scale.min, item.scale.max)
        per_item[item.id] = st.one_of(st.none(), values) if item.allow_na else values
    return st.fixed_dictionaries(per_item)


def direct_totals(responses: list[Response], definition) -> tuple[dict, dict, int]:
    """What the rollups must say, computed straight from the raw rows, without any rollup code."""
    dimensions: dict[str, Counter] = defaultdict(Counter)
    for score in DimensionScore.objects.filter(response__in=responses):
        totals = dimensions[score.dimension]
        totals["n"] += 1
        totals["score_sum"] += score.score
        totals["score_sumsq"] += score.score**2
        totals["answered_items"] += score.answered_items
        totals["top_box_items"] += score.top_box_items
        if score.dimension == "recommend":
            totals["promoters"] += score.mean >= 9
            totals["detractors"] += score.mean <= 6
    items: dict[str, Counter] = defaultdict(Counter)
    for response in responses:
        for item_id, value in response.answers.items():
            item = definition.item(item_id)
            top = item.scale.min if item.reverse else item.scale.max
            items[item_id]["answers"] += 1
            items[item_id]["top_box"] += value == top
    return dimensions, items, len(responses)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rollups_summed_over_any_range_equal_a_direct_computation(
    data, instrument, clinic_a, clinic_b, provider_a
):
    definition = instrument_definition(instrument)
    submissions = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([clinic_a, clinic_b]),
                st.integers(0, 6),  # day
                st.sampled_from(["email", "sms", "qr"]),
                st.sampled_from(["en", "es"]),
                st.booleans(),  # with provider_a (clinic_a only)
                answer_sets(definition),
            ),
            max_size=8,
        )
    )
    first_day = data.draw(st.integers(0, 6))
    last_day = data.draw(st.integers(first_day, 6))
    clinics = data.draw(st.sampled_from([[clinic_a], [clinic_b], [clinic_a, clinic_b]]))
    channel = data.draw(st.sampled_from([None, "email", "sms", "qr"]))
    drain = data.draw(st.booleans())

    # Each example starts from an empty database: everything it writes is rolled back.
    with transaction.atomic():
        for clinic, day, channel_used, language, with_provider, answers in submissions:
            response_submit(
                instrument=instrument,
                clinic=clinic,
                answers=answers,
                language=language,
                channel=channel_used,
                provider=provider_a if with_provider and clinic == clinic_a else None,
                now=NOON_UTC + dt.timedelta(days=day),
            )
        if drain:
            dirty_buckets_drain()
        else:
            rollups_rebuild()

        since = NOON_UTC.date() + dt.timedelta(days=first_day)
        until = NOON_UTC.date() + dt.timedelta(days=last_day)
        where = RollupFilter(
            clinic_ids=[c.pk for c in clinics], since=since, until=until, channel=channel
        )
        raw = Response.objects.filter(
            clinic__in=clinics,
            local_date__range=(since, until),
            **({"channel": channel} if channel else {}),
        )
        dimensions, items, responses = direct_totals(list(raw), definition)

        assert response_total(where=where) == responses
        rolled = {row.pop("dimension"): row for row in dimension_totals(where=where)}
        assert set(rolled) == set(dimensions)
        for dimension, expected in dimensions.items():
            for name in ("n", "answered_items", "top_box_items", "promoters", "detractors"):
                assert rolled[dimension][name] == expected[name], (dimension, name)
            for name in ("score_sum", "score_sumsq"):
                assert rolled[dimension][name] == pytest.approx(expected[name]), (dimension, name)
        rolled_items = {row.pop("item"): row for row in item_totals(where=where)}
        assert rolled_items == {item: dict(counts) for item, counts in items.items()}
        transaction.set_rollback(True)

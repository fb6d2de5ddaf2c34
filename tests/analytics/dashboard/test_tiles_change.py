"""Headline tiles say whether a change is beyond chance in words, not by colour alone."""

from django.utils import translation

from analytics.dashboard.tiles import (
    dimension_tile,
    nps_tile,
    response_rate_tile,
    responses_tile,
)
from analytics.stats import Moments, Proportion, Recommendation
from analytics.stats.changes import ChangeVerdict


def test_a_score_change_beyond_chance_is_marked_higher_in_words():
    tile = dimension_tile(
        key="empathy",
        label="Empathy",
        current=Moments.of([60, 70, 80, 90, 100] * 3),
        previous=Moments.of([30, 40, 50, 60, 70] * 3),
        days=90,
        min_group_size=10,
    )
    assert tile.verdict is ChangeVerdict.HIGHER
    assert tile.verdict_text == "↑ higher, beyond chance"


def test_a_change_within_chance_says_no_clear_change():
    tile = dimension_tile(
        key="empathy",
        label="Empathy",
        current=Moments.of([60, 70, 80, 90, 100] * 2),
        previous=Moments.of([50, 60, 70, 80, 90] * 2),
        days=90,
        min_group_size=10,
    )
    assert tile.change == "+10.0 vs the previous 90 days"
    assert tile.verdict is ChangeVerdict.UNCLEAR
    assert tile.verdict_text == "no clear change"


def test_no_verdict_when_no_change_is_shown():
    tile = dimension_tile(
        key="empathy",
        label="Empathy",
        current=Moments.of([60, 70, 80, 90, 100] * 2),
        previous=Moments.of([50, 60]),
        days=90,
        min_group_size=10,
    )
    assert tile.change is None and tile.verdict is None and tile.verdict_text == ""


def test_a_fall_in_nps_beyond_chance_is_marked_lower_in_spanish_too():
    with translation.override("es"):
        tile = nps_tile(
            label="NPS",
            current=Recommendation(30, 30, 100),
            previous=Recommendation(50, 10, 100),
            days=90,
            min_group_size=10,
        )
        assert tile.verdict is ChangeVerdict.LOWER
        assert tile.verdict_text == "↓ más bajo, más allá del azar"


def test_response_rate_and_responses_say_what_they_count():
    rate = response_rate_tile(
        current=Proportion(269, 727), previous=Proportion(300, 700), days=90, min_group_size=10
    )
    assert rate.n == 269
    assert rate.n_label == "of 727 invitations answered"
    assert rate.verdict is ChangeVerdict.LOWER  # 37.0% against 42.9%: Newcombe -10.9 to -0.8
    responses = responses_tile(current=388, previous=400, days=90, min_group_size=10)
    assert "invited or not" in responses.n_label
    assert responses.verdict is None  # a count, not an estimate from a sample

"""Dimension kinds and their rules come from the definition: percent positive, follow-up rules,
the headline dimension, and the problems a definition that misuses them is refused for."""

import copy
import json
from pathlib import Path

import pytest

from analytics.stats import Moments, Proportion, positive_proportion, wilson_interval
from feedback.follow_ups import follow_up_reasons
from feedback.instrument_definition import InstrumentDefinitionError, parse_definition
from feedback.models import DimensionScore
from feedback.scoring import score_response

INSTRUMENTS = Path(__file__).resolve().parents[2] / "feedback" / "instruments"
FIVE = {"en": {str(v): f"label {v}" for v in range(1, 6)}}
ELEVEN = {"en": {str(v): str(v) for v in range(11)}}
RAW = {
    "slug": "made-up",
    "version": 1,
    "name": {"en": "Made up"},
    "languages": ["en"],
    "scales": {
        "five": {"min": 1, "max": 5, "labels": FIVE, "na_label": {"en": "Don't know"}},
        "eleven": {"min": 0, "max": 10, "labels": ELEVEN},
    },
    "dimensions": [
        {"id": "courtesy", "label": {"en": "Courtesy"}},
        {"id": "kindness", "label": {"en": "Kindness"}, "follow_up": {"below": 60}},
        {
            "id": "experience",
            "label": {"en": "Experience"},
            "kind": "percent_positive",
            "positive": [4, 5],
        },
        {"id": "likely", "label": {"en": "Likely"}, "kind": "nps"},
    ],
    "items": [
        {"id": "courtesy_1", "dimension": "courtesy", "scale": "five", "text": {"en": "C?"}},
        {"id": "kindness_1", "dimension": "kindness", "scale": "five", "text": {"en": "K?"}},
        {
            "id": "experience_1",
            "dimension": "experience",
            "scale": "five",
            "allow_na": True,
            "text": {"en": "E?"},
        },
        {"id": "likely_1", "dimension": "likely", "scale": "eleven", "text": {"en": "L?"}},
    ],
}
DEFINITION = parse_definition(RAW)


def changed(mutate) -> dict:
    raw = copy.deepcopy(RAW)
    mutate(raw)
    return raw


def refused(mutate) -> str:
    with pytest.raises(InstrumentDefinitionError) as excinfo:
        parse_definition(changed(mutate))
    return str(excinfo.value)


def test_kinds_are_asked_of_the_definition_not_spelled_out():
    assert [d.id for d in DEFINITION.mean_scored_dimensions] == ["courtesy", "kindness"]
    assert [d.id for d in DEFINITION.recommend_dimensions] == ["likely"]
    assert [d.id for d in DEFINITION.percent_positive_dimensions] == ["experience"]


@pytest.mark.parametrize(
    ("answer", "score", "answered"),
    [(5, 100.0, 1), (4, 100.0, 1), (3, 0.0, 1), (1, 0.0, 1), (None, 0.0, 0)],
)
def test_percent_positive_scores_every_response_dont_know_as_not_positive(answer, score, answered):
    answers = {"courtesy_1": 3, "kindness_1": 3, "likely_1": 7}
    if answer is not None:
        answers["experience_1"] = answer
    result = score_response(DEFINITION, answers)["experience"]
    assert (result.score, result.mean, result.answered_items) == (score, score / 100, answered)


def test_percent_positive_over_all_responses_with_its_wilson_interval_by_hand():
    # 10 responses: 8 positive, 1 negative, 1 "don't know" -> 8 of 10, the "don't know" counted.
    answers = [5, 4, 4, 5, 5, 4, 5, 4, 2, None]
    scores = [
        score_response(
            DEFINITION,
            {"courtesy_1": 3, "kindness_1": 3, "likely_1": 7}
            | ({} if a is None else {"experience_1": a}),
        )["experience"].score
        for a in answers
    ]
    proportion = positive_proportion(Moments.of(scores))
    assert proportion == Proportion(8, 10)
    summary = wilson_interval(proportion)
    # METHODS.md's example: 8 of 10 gives 0.4902 to 0.9433.
    assert (round(summary.lower, 4), round(summary.upper, 4)) == (0.4902, 0.9433)


def scores(**by_dimension: tuple[float, float]) -> list[DimensionScore]:
    """Unsaved scores, (0-100 score, raw mean) per dimension."""
    return [DimensionScore(dimension=d, score=s, mean=m) for d, (s, m) in by_dimension.items()]


def test_follow_up_rules_come_from_the_definition():
    low_everywhere = scores(courtesy=(0.0, 1.0), kindness=(50.0, 3.0), likely=(90.0, 9.0))
    # courtesy has no rule, kindness asks below 60 with the default reason "low_<id>".
    assert follow_up_reasons(definition=DEFINITION, scores=low_everywhere, has_comment=False) == [
        "low_kindness"
    ]
    assert (
        follow_up_reasons(
            definition=DEFINITION, scores=scores(kindness=(60.0, 3.4)), has_comment=True
        )
        == []
    )


def test_an_nps_dimension_follows_up_detractors_with_a_comment_unless_told_not_to():
    detractor = scores(likely=(60.0, 6.0))
    assert follow_up_reasons(definition=DEFINITION, scores=detractor, has_comment=True) == [
        "detractor_comment"
    ]
    assert follow_up_reasons(definition=DEFINITION, scores=detractor, has_comment=False) == []
    quiet = parse_definition(
        changed(lambda r: r["dimensions"][3].update(follow_up={"detractors_with_comment": False}))
    )
    assert follow_up_reasons(definition=quiet, scores=detractor, has_comment=True) == []


def test_a_follow_up_rule_can_name_its_reason():
    named = parse_definition(
        changed(lambda r: r["dimensions"][0].update(follow_up={"below": 50, "reason": "rude"}))
    )
    assert follow_up_reasons(
        definition=named, scores=scores(courtesy=(25.0, 2.0)), has_comment=False
    ) == ["rude"]


def test_the_shipped_survey_keeps_its_low_empathy_and_trust_rules_from_version_2():
    v1 = parse_definition(json.loads((INSTRUMENTS / "compassionate-care.v1.json").read_text()))
    v2 = parse_definition(json.loads((INSTRUMENTS / "compassionate-care.v2.json").read_text()))
    low = scores(empathy=(25.0, 2.0), communication=(0.0, 1.0), trust=(25.0, 2.0))
    assert follow_up_reasons(definition=v2, scores=low, has_comment=False) == [
        "low_empathy",
        "low_trust",
    ]
    assert follow_up_reasons(definition=v1, scores=low, has_comment=False) == []
    assert v1.headline_dimension == v2.headline_dimension == "empathy"


def test_the_headline_dimension_is_the_first_mean_scored_one_unless_named():
    assert DEFINITION.headline_dimension == "courtesy"
    named = parse_definition(changed(lambda r: r.update(headline_dimension="kindness")))
    assert named.headline_dimension == "kindness"


@pytest.mark.parametrize(
    ("mutate", "problem"),
    [
        (
            lambda r: r["dimensions"][0].update(kind="stars"),
            "dimensions[0].kind: must be one of 'likert', 'nps', 'percent_positive', got 'stars'",
        ),
        (
            lambda r: r["dimensions"][2].pop("positive"),
            "dimensions[2].positive: must list the answers that count as positive",
        ),
        (
            lambda r: r["dimensions"][2].update(positive=[5, 6]),
            "'experience' positive answers must lie on its item's scale (1 to 5)",
        ),
        (
            lambda r: r["dimensions"][0].update(positive=[5]),
            "dimensions[0].positive: only for a 'percent_positive' dimension",
        ),
        (
            lambda r: r["items"][2].update(required=False),
            "'experience' is a percent-positive dimension: one required item",
        ),
        (
            lambda r: r["dimensions"][3].update(follow_up={"below": 50}),
            "dimensions[3].follow_up.below: not for an 'nps' dimension",
        ),
        (
            lambda r: r["dimensions"][1].update(follow_up={"below": 150}),
            "dimensions[1].follow_up.below: must be a number above 0 and at most 100",
        ),
        (
            lambda r: r["dimensions"][1].update(follow_up={"under": 50}),
            "dimensions[1].follow_up: must be an object of",
        ),
        (
            lambda r: r.update(headline_dimension="likely"),
            "headline_dimension: must be a likert dimension's id, got 'likely'",
        ),
    ],
)
def test_a_misused_kind_or_rule_is_refused_with_its_place(mutate, problem):
    assert problem in refused(mutate)

"""Per-response scoring against ../shared/METHODS.md, with the arithmetic written out."""

from pathlib import Path

import pytest

from feedback.instrument_definition import load_definition_file
from feedback.scoring import linear_score, nps_class, score_response

DEFINITION = load_definition_file(
    Path(__file__).resolve().parents[2] / "feedback" / "instruments" / "compassionate-care.v1.json"
)


def test_mean_of_answered_items_ignores_does_not_apply():
    # empathy: 5, 3 and "does not apply" -> mean of the answered two = 4.0; 0-100: 75
    result = score_response(DEFINITION, {"empathy_feelings": 5, "empathy_person": 3})["empathy"]
    assert result.mean == pytest.approx(4.0)
    assert result.score == pytest.approx(100 * (4 - 1) / (5 - 1))
    assert result.answered_items == 2
    assert result.top_box_items == 1


def test_reverse_item_is_flipped_before_averaging():
    # time_rushed is reverse-scored: "strongly agree I felt rushed" (5) counts as 1 + 5 - 5 = 1
    result = score_response(DEFINITION, {"time_enough": 3, "time_rushed": 5})["time"]
    assert result.mean == pytest.approx((3 + 1) / 2)


def test_dimension_with_more_absent_items_than_allowed_has_no_score():
    # empathy allows 1 of 3 absent; with 2 absent there is no empathy score at all
    assert "empathy" not in score_response(DEFINITION, {"empathy_kindness": 5})


def test_no_answers_gives_no_scores():
    assert score_response(DEFINITION, {}) == {}


def test_every_answer_at_the_top_scores_100():
    answers = {item.id: item.scale.max for item in DEFINITION.items if not item.reverse}
    answers["time_rushed"] = 1  # strongly disagree that they felt rushed: the best answer
    results = score_response(DEFINITION, answers)
    assert {r.score for r in results.values()} == {100.0}


def test_linear_score_and_nps_classes():
    assert linear_score(3.0, 1, 5) == 50.0
    assert [nps_class(v) for v in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]

"""Score one response against its instrument definition (../shared/METHODS.md); no Django import.

Absent answers ("does not apply" or unanswered) are left out, never counted as 0. A dimension
with more absent items than its max_missing has no score at all. The exception is a
percent-positive dimension, which scores every response: 100 when its answer is one of the
positive ones, else 0, "don't know" included, so its mean over responses is the % positive.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from feedback.instrument_definition import Dimension, InstrumentDefinition, Item


@dataclass(frozen=True)
class DimensionResult:
    dimension: str
    mean: float  # on the raw scale, reverse items flipped
    score: float  # 0-100 linear mean
    answered_items: int
    top_box_items: int


def item_value(item: Item, value: int) -> int:
    """The value as scored: reverse items are flipped so that higher is always better."""
    if item.reverse:
        return item.scale.min + item.scale.max - value
    return value


def linear_score(mean: float, scale_min: int, scale_max: int) -> float:
    return 100.0 * (mean - scale_min) / (scale_max - scale_min)


def nps_class(value: int) -> str:
    """Likelihood-to-recommend class of a 0-10 answer."""
    if value >= 9:
        return "promoter"
    if value <= 6:
        return "detractor"
    return "passive"


def score_response(
    definition: InstrumentDefinition, answers: Mapping[str, int]
) -> dict[str, DimensionResult]:
    """Per-dimension results for one response; dimensions without a valid score are left out."""
    results: dict[str, DimensionResult] = {}
    for dimension in definition.dimensions:
        items = definition.items_of(dimension.id)
        if dimension.is_percent_positive:
            results[dimension.id] = _percent_positive_result(dimension, items[0], answers)
            continue
        values = [item_value(item, answers[item.id]) for item in items if item.id in answers]
        missing = len(items) - len(values)
        if not values or missing > dimension.max_missing:
            continue
        scale = items[0].scale
        mean = sum(values) / len(values)
        top_box = sum(1 for value in values if value == scale.max)
        results[dimension.id] = DimensionResult(
            dimension=dimension.id,
            mean=mean,
            score=linear_score(mean, scale.min, scale.max),
            answered_items=len(values),
            top_box_items=top_box,
        )
    return results


def _percent_positive_result(
    dimension: Dimension, item: Item, answers: Mapping[str, int]
) -> DimensionResult:
    """mean is 1.0 for a positive answer and 0.0 otherwise, so rollups' sums count positives."""
    value = answers.get(item.id)
    positive = value in dimension.positive
    return DimensionResult(
        dimension=dimension.id,
        mean=1.0 if positive else 0.0,
        score=100.0 if positive else 0.0,
        answered_items=0 if value is None else 1,
        top_box_items=int(value == item.scale.max),
    )

"""Score one response against its instrument definition (../shared/METHODS.md); no Django import.

Absent answers ("does not apply" or unanswered) are left out, never counted as 0. A dimension
with more absent items than its max_missing has no score at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from feedback.instrument_definition import InstrumentDefinition, Item


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

"""Is a change against the previous period beyond chance? 95% intervals of differences."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from analytics.stats.mean_change import mean_change
from analytics.stats.summaries import Z_95, Moments, Proportion, Recommendation, wilson_interval


class ChangeVerdict(StrEnum):
    HIGHER = "higher"  # the whole 95% interval of the difference lies above zero
    LOWER = "lower"  # ... below zero
    UNCLEAR = "unclear"  # the interval includes zero: no clear change


@dataclass(frozen=True)
class Difference:
    """current - previous with its 95% interval."""

    value: float
    lower: float
    upper: float

    @property
    def verdict(self) -> ChangeVerdict:
        if self.lower > 0:
            return ChangeVerdict.HIGHER
        if self.upper < 0:
            return ChangeVerdict.LOWER
        return ChangeVerdict.UNCLEAR


def mean_difference(current: Moments, previous: Moments) -> Difference | None:
    """Welch interval, as METHODS.md uses for before/after (analytics.stats.mean_change, shared
    with the monthly report). None when either side has fewer than 2 values."""
    change = mean_change(previous, current)
    if change is None or change.lower is None or change.upper is None:
        return None
    return Difference(change.difference, change.lower, change.upper)


def proportion_difference(current: Proportion, previous: Proportion) -> Difference | None:
    """Newcombe's hybrid score interval (his method 10) from the two Wilson intervals, in
    percentage points: it stays sensible near 0% and 100%, where the Wald interval does not."""
    one, two = wilson_interval(current), wilson_interval(previous)
    if one.value is None or two.value is None:
        return None
    difference = one.value - two.value
    lower = difference - math.sqrt((one.value - one.lower) ** 2 + (two.upper - two.value) ** 2)
    upper = difference + math.sqrt((one.upper - one.value) ** 2 + (two.value - two.lower) ** 2)
    return Difference(100 * difference, 100 * lower, 100 * upper)


def nps_difference(current: Recommendation, previous: Recommendation) -> Difference | None:
    """Wald interval of the difference of two independent NPS, in points."""
    if current.n < 2 or previous.n < 2:
        return None

    def score_and_variance(r: Recommendation) -> tuple[float, float]:
        p, d = r.promoters / r.n, r.detractors / r.n
        return 100 * (p - d), 100 * 100 * max(p + d - (p - d) ** 2, 0.0) / r.n

    (one, var_one), (two, var_two) = score_and_variance(current), score_and_variance(previous)
    half_width = Z_95 * math.sqrt(var_one + var_two)
    return Difference(one - two, one - two - half_width, one - two + half_width)

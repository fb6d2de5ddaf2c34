"""Before/after effect of an intervention: Welch difference of means and difference in differences.

Method (../shared/METHODS.md, "Before/after effect of an intervention"):

- Windows: W days before the start (start - W .. start - 1) and W days after the intervention
  period (last day + 1 .. last day + W), the period itself left out; W defaults to 90.
- Each side's mean and sample SD come from its sufficient statistics (n, sum, sum of squares):
  mean = sum / n, s^2 = (sum_sq - sum^2 / n) / (n - 1).
- Difference d = mean_after - mean_before, with
  se = sqrt(s1^2 / n1 + s2^2 / n2)                       (1 = before, 2 = after)
  df = (s1^2/n1 + s2^2/n2)^2 / ((s1^2/n1)^2 / (n1 - 1) + (s2^2/n2)^2 / (n2 - 1))
                                                          (Welch-Satterthwaite)
  95% interval d +/- t(0.975, df) * se, t from analytics.stats.distributions as for every other
  interval (df need not be a whole number).
- Nothing is shown (no means, no difference) for a side with fewer than MIN_GROUP_SIZE responses,
  and no difference when either side is hidden.
- Comparison group (providers of the clinic the intervention did not cover): its own difference
  the same way; difference in differences = d_covered - d_comparison, descriptive only (no
  interval: the groups share patients' seasons but not their selection).

A before/after difference is an association, not proof of cause: seasonality, regression to the
mean after a bad period and other changes at the same time can produce the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analytics.stats.distributions import student_t_quantile
from analytics.stats.summaries import MeanSummary, Moments, mean_summary
from analytics.stats.suppression import is_suppressed


@dataclass(frozen=True)
class WelchDifference:
    difference: float  # after - before
    se: float
    df: float | None  # None when both sides have no spread (se = 0)
    lower: float
    upper: float


def welch_difference(
    before: Moments, after: Moments, *, confidence: float = 0.95
) -> WelchDifference | None:
    """after - before with a Welch interval; None when either side has fewer than 2 values."""
    if before.n < 2 or after.n < 2:
        return None
    mean_before, mean_after = before.mean, after.mean
    var_before, var_after = before.variance, after.variance
    assert mean_before is not None and mean_after is not None  # n >= 2
    assert var_before is not None and var_after is not None
    difference = mean_after - mean_before
    part_before, part_after = var_before / before.n, var_after / after.n
    se = math.sqrt(part_before + part_after)
    if se == 0.0:
        return WelchDifference(difference, 0.0, None, difference, difference)
    df = (part_before + part_after) ** 2 / (
        part_before**2 / (before.n - 1) + part_after**2 / (after.n - 1)
    )
    half_width = student_t_quantile(0.5 + confidence / 2.0, df) * se
    return WelchDifference(difference, se, df, difference - half_width, difference + half_width)


@dataclass(frozen=True)
class BeforeAfter:
    """One group's two windows. A side under min_group_size has mean None and n None."""

    before: MeanSummary | None  # None: hidden (fewer than min_group_size)
    after: MeanSummary | None
    difference: WelchDifference | None  # None when either side is hidden

    @property
    def suppressed(self) -> bool:
        return self.difference is None


def before_after(before: Moments, after: Moments, *, min_group_size: int) -> BeforeAfter:
    """Means of each window and their Welch difference, hiding any side under min_group_size."""
    shown_before = None if is_suppressed(before.n, min_group_size=min_group_size) else before
    shown_after = None if is_suppressed(after.n, min_group_size=min_group_size) else after
    difference = (
        welch_difference(shown_before, shown_after)
        if shown_before is not None and shown_after is not None
        else None
    )
    return BeforeAfter(
        before=None if shown_before is None else mean_summary(shown_before),
        after=None if shown_after is None else mean_summary(shown_after),
        difference=difference,
    )


def difference_in_differences(covered: BeforeAfter, comparison: BeforeAfter) -> float | None:
    """Change in the covered group minus change in the comparison group; descriptive only."""
    if covered.difference is None or comparison.difference is None:
        return None
    return covered.difference.difference - comparison.difference.difference

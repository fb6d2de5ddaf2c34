"""The change of a mean from one period to the next, with a Welch 95% interval (METHODS.md).

Pure (no Django). The two periods have different respondents and spreads, so the interval is
Welch's: difference +/- t(0.975, df) * se, se = sqrt(s1^2/n1 + s2^2/n2), and df by
Welch-Satterthwaite, df = (a + b)^2 / (a^2/(n1 - 1) + b^2/(n2 - 1)) with a = s1^2/n1 and
b = s2^2/n2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from analytics.stats.distributions import student_t_quantile
from analytics.stats.summaries import Moments


@dataclass(frozen=True)
class MeanChange:
    difference: float  # after - before
    lower: float | None  # None when either side has fewer than 2 scores
    upper: float | None


def mean_change(before: Moments, after: Moments, *, confidence: float = 0.95) -> MeanChange | None:
    """after's mean minus before's, with its Welch interval; None when either mean is undefined."""
    if before.mean is None or after.mean is None:
        return None
    difference = after.mean - before.mean
    if before.variance is None or after.variance is None:
        return MeanChange(difference, None, None)
    a, b = before.variance / before.n, after.variance / after.n
    if a + b == 0:  # no spread on either side: nothing to be uncertain about
        return MeanChange(difference, difference, difference)
    df = (a + b) ** 2 / (a * a / (before.n - 1) + b * b / (after.n - 1))
    half_width = student_t_quantile(0.5 + confidence / 2.0, df) * math.sqrt(a + b)
    return MeanChange(difference, difference - half_width, difference + half_width)

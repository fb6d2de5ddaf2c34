"""Funnel-plot control limits, and where a clinic or provider falls against them (Spiegelhalter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from analytics.stats.distributions import binomial_cdf_table, normal_cdf
from analytics.stats.summaries import Z_95, Z_998

# Below this many expected events (n * p0 or n * (1 - p0)) the normal approximation is poor.
EXACT_BINOMIAL_BELOW = 5.0


@dataclass(frozen=True)
class Limits:
    lower: float
    upper: float


class FunnelPosition(StrEnum):
    INSIDE = "inside"
    ALERT = "alert"  # outside the 95% limits
    ALARM = "alarm"  # outside the 99.8% limits


@dataclass(frozen=True)
class FunnelLimits:
    n: int
    alert: Limits  # 95%
    alarm: Limits  # 99.8%


def funnel_limits_for_mean(*, target: float, sigma: float, n: int, z: float) -> Limits | None:
    """target +/- z * sigma / sqrt(n), sigma being the organisation's standard deviation."""
    if n < 1:
        return None
    half_width = z * sigma / math.sqrt(n)
    return Limits(target - half_width, target + half_width)


def funnel_limits_for_proportion(*, p0: float, n: int, z: float) -> Limits | None:
    """p0 +/- z * sqrt(p0 (1 - p0) / n) clipped to [0, 1]; exact binomial limits when n * p0 or
    n * (1 - p0) is below 5."""
    if not 0.0 <= p0 <= 1.0:
        raise ValueError("p0 must lie in [0, 1]")
    if n < 1:
        return None
    if min(n * p0, n * (1.0 - p0)) < EXACT_BINOMIAL_BELOW:
        cdf = binomial_cdf_table(n, p0)
        lower = _binomial_limit(cdf, normal_cdf(-z), n)
        upper = _binomial_limit(cdf, normal_cdf(z), n)
    else:
        half_width = z * math.sqrt(p0 * (1.0 - p0) / n)
        lower, upper = p0 - half_width, p0 + half_width
    return Limits(min(max(lower, 0.0), 1.0), min(max(upper, 0.0), 1.0))


def _binomial_limit(cdf: list[float], probability: float, n: int) -> float:
    """Spiegelhalter's interpolated binomial quantile, so the exact limits form a smooth curve:
    r = the smallest count with P(X <= r) >= probability,
    alpha = (P(X <= r) - probability) / (P(X <= r) - P(X <= r - 1)), limit = (r - alpha) / n."""
    r = next(count for count, cumulative in enumerate(cdf) if cumulative >= probability)
    below = cdf[r - 1] if r > 0 else 0.0
    alpha = (cdf[r] - probability) / (cdf[r] - below)
    return (r - alpha) / n


def funnel_limits(
    *, n: int, target: float, sigma: float | None = None, proportion: bool = False
) -> FunnelLimits | None:
    """Both limit pairs at n: for a mean give sigma; for a proportion set proportion=True
    (target is then p0 and sigma is sqrt(p0 (1 - p0)))."""
    if proportion:
        alert = funnel_limits_for_proportion(p0=target, n=n, z=Z_95)
        alarm = funnel_limits_for_proportion(p0=target, n=n, z=Z_998)
    else:
        if sigma is None:
            return None
        alert = funnel_limits_for_mean(target=target, sigma=sigma, n=n, z=Z_95)
        alarm = funnel_limits_for_mean(target=target, sigma=sigma, n=n, z=Z_998)
    if alert is None or alarm is None:
        return None
    return FunnelLimits(n, alert, alarm)


def funnel_position(*, value: float, limits: FunnelLimits) -> FunnelPosition:
    """Strictly beyond a limit counts as outside; on the line is still inside it."""
    if not limits.alarm.lower <= value <= limits.alarm.upper:
        return FunnelPosition.ALARM
    if not limits.alert.lower <= value <= limits.alert.upper:
        return FunnelPosition.ALERT
    return FunnelPosition.INSIDE

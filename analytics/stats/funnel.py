"""Funnel-plot control limits, and where a clinic or provider falls against them (Spiegelhalter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from analytics.stats.summaries import Z_95, Z_998


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


def funnel_limits(*, n: int, target: float, sigma: float | None) -> FunnelLimits | None:
    """Both limit pairs at n around the target mean, sigma being the organisation's standard
    deviation (None: no limits)."""
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

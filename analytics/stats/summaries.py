"""Means, proportions and NPS from additive sufficient statistics, with their 95% intervals."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analytics.stats.distributions import normal_cdf, student_t_quantile

Z_95 = 1.959964  # two-sided 95%: the "alert" funnel limit
Z_998 = 3.090232  # two-sided 99.8%: the "alarm" funnel limit


@dataclass(frozen=True)
class Moments:
    """n, sum and sum of squares of scores: what a rollup row stores, and adds up exactly."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError("n must be non-negative")

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.n + other.n, self.total + other.total, self.total_sq + other.total_sq)

    @classmethod
    def of(cls, values: Iterable[float]) -> Moments:
        values = list(values)
        return cls(len(values), math.fsum(values), math.fsum(v * v for v in values))

    @classmethod
    def merged(cls, parts: Iterable[Moments]) -> Moments:
        return sum(parts, cls())

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1); never negative, although sum-of-squares arithmetic can be."""
        if self.n < 2:
            return None
        centred_sq = self.total_sq - self.total * self.total / self.n
        # A difference within the rounding error of the sums is noise, not spread: identical
        # scores give an SD of zero however their sums were added up (merged rollups included).
        rounding = 4 * self.n * sys.float_info.epsilon * abs(self.total_sq)
        return (centred_sq if centred_sq > rounding else 0.0) / (self.n - 1)

    @property
    def sd(self) -> float | None:
        variance = self.variance
        return None if variance is None else math.sqrt(variance)


@dataclass(frozen=True)
class MeanSummary:
    n: int
    mean: float | None
    sd: float | None
    lower: float | None  # 95% t-interval; None for n < 2
    upper: float | None


def mean_summary(moments: Moments, *, confidence: float = 0.95) -> MeanSummary:
    """Mean with the t-interval mean +/- t(1 - alpha/2, n - 1) * s / sqrt(n)."""
    mean, sd = moments.mean, moments.sd
    if mean is None or sd is None:
        return MeanSummary(moments.n, mean, sd, None, None)
    t = student_t_quantile(0.5 + confidence / 2.0, moments.n - 1)
    half_width = t * sd / math.sqrt(moments.n)
    return MeanSummary(moments.n, mean, sd, mean - half_width, mean + half_width)


@dataclass(frozen=True)
class Proportion:
    """count of n (top-box answers of valid answers, invitations answered of sent); additive."""

    count: int = 0
    n: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.count <= self.n:
            raise ValueError(f"count must lie in [0, n], got {self.count} of {self.n}")

    def __add__(self, other: Proportion) -> Proportion:
        return Proportion(self.count + other.count, self.n + other.n)

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None


@dataclass(frozen=True)
class ProportionSummary:
    count: int
    n: int
    value: float | None  # a proportion in [0, 1]; charts multiply by 100
    lower: float | None  # Wilson score interval; None when n = 0
    upper: float | None


def wilson_interval(proportion: Proportion, *, z: float = Z_95) -> ProportionSummary:
    """Wilson score interval without continuity correction: it stays inside [0, 1] and behaves
    near 0 and 1, where the Wald interval does not."""
    count, n, p = proportion.count, proportion.n, proportion.value
    if p is None:
        return ProportionSummary(count, n, None, None, None)
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half_width = z / denominator * math.sqrt(p * (1.0 - p) / n + z2 / (4 * n * n))
    lower = 0.0 if count == 0 else max(0.0, min(p, centre - half_width))
    upper = 1.0 if count == n else min(1.0, max(p, centre + half_width))
    return ProportionSummary(count, n, p, lower, upper)


def positive_proportion(moments: Moments) -> Proportion:
    """Positive answers of all responses, from the moments of 0-or-100 percent-positive scores
    (every response scores, "don't know" included, as METHODS.md's percent positive asks)."""
    return Proportion(round(moments.total / 100.0), moments.n)


@dataclass(frozen=True)
class Recommendation:
    """Likelihood-to-recommend counts: promoters (9-10), detractors (0-6) of n valid answers."""

    promoters: int = 0
    detractors: int = 0
    n: int = 0

    def __post_init__(self) -> None:
        if min(self.promoters, self.detractors) < 0 or self.promoters + self.detractors > self.n:
            raise ValueError("promoters and detractors must be non-negative and at most n")

    def __add__(self, other: Recommendation) -> Recommendation:
        return Recommendation(
            self.promoters + other.promoters, self.detractors + other.detractors, self.n + other.n
        )


@dataclass(frozen=True)
class NpsSummary:
    n: int
    nps: float | None  # in [-100, 100]; None (not 0) when n = 0
    lower: float | None  # 95% Wald interval on the trinomial difference; None when n < 2
    upper: float | None


def nps(recommendation: Recommendation) -> float | None:
    """% promoters - % detractors over valid answers; undefined without answers."""
    if recommendation.n == 0:
        return None
    return 100.0 * (recommendation.promoters - recommendation.detractors) / recommendation.n


def nps_summary(recommendation: Recommendation, *, z: float = Z_95) -> NpsSummary:
    """NPS with the usual Wald interval: Var(P - D) = (p + d - (p - d)^2) / n, clipped."""
    score, n = nps(recommendation), recommendation.n
    if score is None or n < 2:
        return NpsSummary(n, score, None, None)
    p, d = recommendation.promoters / n, recommendation.detractors / n
    half_width = 100.0 * z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n)
    return NpsSummary(n, score, max(-100.0, score - half_width), min(100.0, score + half_width))


def top_box_composite(items: Sequence[Proportion]) -> float | None:
    """Mean of the items' top-box proportions, not the pooled answers (METHODS.md), so an item
    many patients skip weighs as much as one everybody answers. Items nobody answered are left
    out; None when no item has an answer."""
    values = [item.value for item in items if item.value is not None]
    return math.fsum(values) / len(values) if values else None


def two_sided_probability(z: float) -> float:
    """Coverage of +/- z under the normal curve (1.959964 -> 0.95, 3.090232 -> 0.998)."""
    return 2.0 * normal_cdf(z) - 1.0

"""Normal, Student t and binomial distribution functions, without scipy (not installed here)."""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_STANDARD_NORMAL = NormalDist()
_TINY = 1e-300
_EPSILON = 3e-16
# Above this many degrees of freedom the Cornish-Fisher expansion below is exact to ~1e-12,
# and the incomplete beta continued fraction would need thousands of terms.
_T_EXPANSION_DF = 1000.0


def normal_cdf(x: float) -> float:
    return _STANDARD_NORMAL.cdf(x)


def normal_quantile(probability: float) -> float:
    """Standard normal quantile.

    The standard library's NormalDist.inv_cdf is Wichura's AS241 (PPND16, ~1e-16 relative
    error), so it is used rather than a second copy of the same coefficients.
    """
    _check_probability(probability)
    return _STANDARD_NORMAL.inv_cdf(probability)


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), by the continued fraction of Numerical Recipes (betai/betacf, modified Lentz)."""
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast on this side of the mean; use the symmetry on the other.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1.0 - front * _beta_continued_fraction(1.0 - x, b, a) / b


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    max_terms = 200 + int(20 * math.sqrt(max(a, b)))
    c = 1.0
    d = _nonzero(1.0 - (a + b) * x / (a + 1.0))
    d = 1.0 / d
    fraction = d
    for m in range(1, max_terms + 1):
        m2 = 2 * m
        even = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2))
        d = 1.0 / _nonzero(1.0 + even * d)
        c = _nonzero(1.0 + even / c)
        fraction *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2))
        d = 1.0 / _nonzero(1.0 + odd * d)
        c = _nonzero(1.0 + odd / c)
        delta = d * c
        fraction *= delta
        if abs(delta - 1.0) < _EPSILON:
            return fraction
    raise ArithmeticError(f"incomplete beta did not converge for x={x}, a={a}, b={b}")


def _nonzero(value: float) -> float:
    return value if abs(value) >= _TINY else _TINY


def student_t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with df degrees of freedom: 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * regularized_incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t >= 0 else tail


def _student_t_pdf(t: float, df: float) -> float:
    log_density = (
        math.lgamma((df + 1.0) / 2.0)
        - math.lgamma(df / 2.0)
        - 0.5 * math.log(df * math.pi)
        - (df + 1.0) / 2.0 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def _student_t_expansion(z: float, df: float) -> float:
    """Cornish-Fisher expansion of the t quantile around the normal one (A&S 26.7.5)."""
    z2 = z * z
    g1 = z * (z2 + 1.0) / 4.0
    g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0
    g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0
    g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


@lru_cache(maxsize=4096)
def student_t_quantile(probability: float, df: float) -> float:
    """Quantile of Student's t: exact forms for 1 and 2 df, else a safeguarded Newton solve of the
    CDF started from the Cornish-Fisher expansion (which alone is used for very large df)."""
    _check_probability(probability)
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if probability == 0.5:
        return 0.0
    if probability < 0.5:
        return -student_t_quantile(1.0 - probability, df)
    if df == 1:
        return math.tan(math.pi * (probability - 0.5))
    if df == 2:
        return (2.0 * probability - 1.0) / math.sqrt(2.0 * probability * (1.0 - probability))
    guess = _student_t_expansion(normal_quantile(probability), df)
    if df >= _T_EXPANSION_DF:
        return guess
    return _solve_student_t(probability, df, guess)


def _solve_student_t(probability: float, df: float, guess: float) -> float:
    low, high = 0.0, max(2.0 * guess, 1.0)
    while student_t_cdf(high, df) < probability:
        low, high = high, 2.0 * high
    t = guess if low < guess < high else (low + high) / 2.0
    for _ in range(200):
        error = student_t_cdf(t, df) - probability
        if error > 0:
            high = t
        else:
            low = t
        step = error / _student_t_pdf(t, df)
        candidate = t - step
        if not low < candidate < high:  # Newton left the bracket: bisect instead
            candidate = (low + high) / 2.0
        if abs(candidate - t) <= 1e-13 * max(1.0, abs(t)):
            return candidate
        t = candidate
    return t


def _check_probability(probability: float) -> None:
    if not 0.0 < probability < 1.0:
        raise ValueError(f"probability must lie strictly between 0 and 1, got {probability}")

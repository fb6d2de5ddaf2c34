"""Intervals of a change against the previous period, checked by hand."""

import pytest

from analytics.stats import Moments, Proportion, Recommendation
from analytics.stats.changes import (
    ChangeVerdict,
    mean_difference,
    nps_difference,
    proportion_difference,
)


def test_welch_interval_of_two_equal_spreads_uses_eight_degrees_of_freedom():
    # Means 80 and 70, both variances 250 over n = 5: se = sqrt(50 + 50) = 10, Welch df = 8,
    # t(0.975, 8) = 2.306004, so 10 +/- 23.06004: the interval holds zero.
    change = mean_difference(Moments.of([60, 70, 80, 90, 100]), Moments.of([50, 60, 70, 80, 90]))
    assert change.value == pytest.approx(10.0)
    assert change.lower == pytest.approx(-13.06004, abs=1e-4)
    assert change.upper == pytest.approx(33.06004, abs=1e-4)
    assert change.verdict is ChangeVerdict.UNCLEAR


def test_a_mean_difference_whose_interval_excludes_zero_is_higher_or_lower():
    up = mean_difference(Moments.of([60, 70, 80, 90, 100]), Moments.of([30, 40, 50, 60, 70]))
    assert (up.lower, up.upper) == pytest.approx((6.93996, 53.06004), abs=1e-4)
    assert up.verdict is ChangeVerdict.HIGHER
    down = mean_difference(Moments.of([30, 40, 50, 60, 70]), Moments.of([60, 70, 80, 90, 100]))
    assert down.verdict is ChangeVerdict.LOWER


def test_no_mean_difference_from_a_single_value():
    assert mean_difference(Moments.of([50]), Moments.of([60, 70])) is None


def test_newcombe_interval_matches_his_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 - 48/80,
    # hybrid score interval 0.0524 to 0.3339.
    change = proportion_difference(Proportion(56, 70), Proportion(48, 80))
    assert change.value == pytest.approx(20.0)
    assert change.lower == pytest.approx(5.24, abs=0.01)
    assert change.upper == pytest.approx(33.39, abs=0.01)
    assert change.verdict is ChangeVerdict.HIGHER


def test_newcombe_interval_from_the_methods_wilson_example():
    # 8/10 has Wilson 0.4902..0.9433 (METHODS.md), 2/10 the mirror 0.0567..0.5098:
    # 0.6 - sqrt(2 x 0.3098^2) = 0.1619 and 0.6 + sqrt(2 x 0.1433^2) = 0.8027.
    change = proportion_difference(Proportion(8, 10), Proportion(2, 10))
    assert (change.lower, change.upper) == pytest.approx((16.19, 80.27), abs=0.02)


def test_nps_difference_adds_the_two_wald_variances():
    # NPS 40 (var (0.6 - 0.16)/100 = 0.0044) and 0 (var 0.6/100 = 0.006): se = 100 x sqrt(0.0104)
    # = 10.198, half-width 1.959964 x 10.198 = 19.988.
    change = nps_difference(Recommendation(50, 10, 100), Recommendation(30, 30, 100))
    assert change.value == pytest.approx(40.0)
    assert (change.lower, change.upper) == pytest.approx((20.012, 59.988), abs=0.01)
    assert change.verdict is ChangeVerdict.HIGHER
    small = nps_difference(Recommendation(5, 1, 10), Recommendation(3, 3, 10))
    assert small.verdict is ChangeVerdict.UNCLEAR

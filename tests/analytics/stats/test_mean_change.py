"""The change of a mean between two periods with its Welch interval, against hand calculations."""

import pytest

from analytics.stats import Moments
from analytics.stats.mean_change import mean_change


def moments(n: int, mean: float, sd: float) -> Moments:
    return Moments(n, n * mean, sd * sd * (n - 1) + n * mean * mean)


def test_welch_interval_matches_a_hand_calculation():
    # Before n=12, mean 70, s=10; after n=15, mean 78, s=14. a = 100/12 = 8.3333,
    # b = 196/15 = 13.0667, se = sqrt(21.4) = 4.6260; df = 21.4^2 / (8.3333^2/11 + 13.0667^2/14)
    # = 457.96 / 18.5087 = 24.743; t(0.975, 24.743) = 2.0606 (between 2.0639 at 24 and 2.0595
    # at 25); half-width 9.532: 8 -/+ 9.532.
    change = mean_change(moments(12, 70, 10), moments(15, 78, 14))
    assert change.difference == pytest.approx(8.0)
    assert change.lower == pytest.approx(-1.532, abs=2e-3)
    assert change.upper == pytest.approx(17.532, abs=2e-3)


def test_with_no_spread_before_the_interval_is_the_after_sides_t_interval():
    # Before: ten 75s (s = 0); after: six 75s and four 100s (s^2 = 166.67). df = 9, se = 4.0825,
    # t(0.975, 9) = 2.262157: 10 -/+ 9.2353.
    before = Moments(10, 750.0, 10 * 75.0**2)
    after = Moments(10, 850.0, 6 * 75.0**2 + 4 * 100.0**2)
    change = mean_change(before, after)
    assert (change.difference, change.lower, change.upper) == (
        pytest.approx(10.0),
        pytest.approx(0.7648, abs=1e-3),
        pytest.approx(19.2352, abs=1e-3),
    )


def test_an_empty_side_has_no_change_and_a_single_score_no_interval():
    assert mean_change(Moments(), moments(10, 70, 5)) is None
    single = mean_change(Moments(1, 60.0, 3600.0), moments(10, 70, 5))
    assert (single.difference, single.lower, single.upper) == (10.0, None, None)

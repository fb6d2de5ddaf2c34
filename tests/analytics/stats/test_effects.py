"""Before/after effects against hand calculations (METHODS.md, "Before/after effect")."""

import datetime as dt

import pytest

from analytics.stats import Moments
from analytics.stats.effects import before_after, difference_in_differences, welch_difference
from analytics.stats.spc import limits_split_index

BEFORE = Moments.of([60, 70] * 5)  # n 10, mean 65, s^2 = 10 * 25 / 9
AFTER = Moments.of([70, 80] * 5)  # n 10, mean 75, same spread


def test_welch_difference_with_equal_spreads_has_twice_n_minus_one_degrees_of_freedom():
    difference = welch_difference(BEFORE, AFTER)
    # s^2 / n = (250 / 9) / 10 = 2.7778 on each side; se = sqrt(5.5556) = 2.357023;
    # df = 5.5556^2 / (2 * 2.7778^2 / 9) = 18; t(0.975, 18) = 2.100922 (tables);
    # half width 2.100922 * 2.357023 = 4.951920.
    assert difference.difference == pytest.approx(10.0)
    assert difference.se == pytest.approx(2.357023, abs=1e-6)
    assert difference.df == pytest.approx(18.0)
    assert difference.lower == pytest.approx(5.048080, abs=1e-5)
    assert difference.upper == pytest.approx(14.951920, abs=1e-5)


def test_welch_degrees_of_freedom_follow_welch_satterthwaite_for_unequal_groups():
    before = Moments.of([60, 70, 80])  # mean 70, s^2 100, s^2/n = 100/3
    after = Moments.of([70, 80, 90, 100])  # mean 85, s^2 500/3, s^2/n = 125/3
    difference = welch_difference(before, after)
    # se^2 = 225/3 = 75; df = 75^2 / ((100/3)^2 / 2 + (125/3)^2 / 3) = 5625 / 1134.2593
    assert difference.difference == pytest.approx(15.0)
    assert difference.se == pytest.approx(75**0.5)
    assert difference.df == pytest.approx(4.959184, abs=1e-6)
    # t(0.975, 4.959) lies between the tabled t(0.975, 5) = 2.5706 and t(0.975, 4) = 2.7764.
    half = difference.upper - difference.difference
    assert 2.5706 * 75**0.5 < half < 2.7764 * 75**0.5


def test_before_after_shows_means_n_and_the_interval_when_both_sides_are_large_enough():
    effect = before_after(BEFORE, AFTER, min_group_size=10)
    assert (effect.before.n, effect.before.mean) == (10, 65.0)
    assert (effect.after.n, effect.after.mean) == (10, 75.0)
    assert not effect.suppressed
    assert effect.difference.difference == pytest.approx(10.0)


def test_too_few_responses_after_it_shows_no_effect_figure_and_hides_that_side():
    effect = before_after(BEFORE, Moments.of([90] * 9), min_group_size=10)
    assert effect.suppressed and effect.difference is None
    assert effect.after is None  # not even its mean: fewer than 10 responses
    assert effect.before.mean == 65.0


def test_difference_in_differences_is_the_covered_change_minus_the_comparison_change():
    covered = before_after(BEFORE, AFTER, min_group_size=10)  # +10
    comparison = before_after(
        Moments.of([60, 70] * 5), Moments.of([62, 72] * 5), min_group_size=10
    )  # +2
    assert difference_in_differences(covered, comparison) == pytest.approx(8.0)
    hidden = before_after(BEFORE, Moments.of([72] * 3), min_group_size=10)
    assert difference_in_differences(covered, hidden) is None


def test_welch_needs_two_values_on_each_side_and_copes_with_no_spread():
    assert welch_difference(Moments.of([1]), AFTER) is None
    flat = welch_difference(Moments.of([50] * 10), Moments.of([60] * 10))
    assert (flat.difference, flat.se, flat.df, flat.lower, flat.upper) == (10, 0, None, 10, 10)


def test_limits_split_at_the_first_period_starting_on_or_after_the_intervention():
    mondays = [dt.date(2026, 1, 5) + dt.timedelta(weeks=k) for k in range(6)]
    assert limits_split_index(mondays, dt.date(2026, 1, 14)) == 2  # a Wednesday of week 2
    assert limits_split_index(mondays, dt.date(2026, 1, 26)) == 3  # a Monday: its own week
    assert limits_split_index(mondays, dt.date(2026, 1, 5)) is None  # nothing before it
    assert limits_split_index(mondays, dt.date(2026, 3, 1)) is None  # after the last period

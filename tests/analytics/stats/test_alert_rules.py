"""Which weekly values are worth an alert: new XmR signals and the detractor share, by hand."""

import pytest

from analytics.stats import Moments, Recommendation
from analytics.stats.alert_rules import (
    detractor_share,
    detractor_share_crossed,
    spc_signals_new_at_last_week,
    weekly_means,
)
from analytics.stats.spc import Signal

WINDOW = 13


def week(mean: float, n: int = 10) -> Moments:
    """n respondents who all scored ``mean`` (so the week's mean is exactly that)."""
    return Moments(n, n * mean, n * mean * mean)


def test_a_week_far_below_a_steady_chart_is_beyond_the_lower_limit():
    # The chart judged is weeks 1..13: 72, 70, ... (centre 71, every moving range 2, so the
    # limits are 71 -/+ 2.66 * 2 = 65.68 and 76.32); the last week at 50 is below 65.68.
    steady = [week(70 if k % 2 == 0 else 72) for k in range(WINDOW)]
    assert spc_signals_new_at_last_week([*steady, week(50)], window=WINDOW, min_group_size=10) == {
        Signal.BEYOND_LIMIT
    }


def test_a_week_inside_the_limits_of_a_steady_chart_is_no_signal():
    steady = [week(70 if k % 2 == 0 else 72) for k in range(WINDOW)]
    assert spc_signals_new_at_last_week(
        [*steady, week(71.5)], window=WINDOW, min_group_size=10
    ) == (frozenset())


def test_a_shift_is_new_the_week_it_reaches_seven_points_and_not_the_week_after():
    low = [62, 60, 62, 60, 62, 60, 62]  # weeks 0..6
    high = [80, 81, 80, 81, 80, 81, 80, 81]  # weeks 7..14
    values = [week(v) for v in [*low, *high]]
    # Weeks 1..13: centre of the first 12 = 70.75; weeks 7..13 (7 points) lie above it.
    first = spc_signals_new_at_last_week(values[:14], window=WINDOW, min_group_size=10)
    assert Signal.SHIFT in first
    # One week later the shift goes on: still on the chart, but not a new signal.
    later = spc_signals_new_at_last_week(values[1:15], window=WINDOW, min_group_size=10)
    assert Signal.SHIFT not in later


def test_a_shift_after_a_known_change_is_no_signal_once_the_chart_is_rebased_there():
    low = [62, 60, 62, 60, 62, 60, 62]
    high = [80, 81, 80, 81, 80, 81, 80]
    values = [week(v) for v in [*low, *high]]
    # The step at week 7 is an intervention: the limits start again there, so the higher
    # level is the new normal, not a shift (and no point is beyond its own segment's limits).
    assert (
        spc_signals_new_at_last_week(values, window=WINDOW, min_group_size=10, rebase_at=[7])
        == frozenset()
    )


def test_a_small_last_week_is_never_judged():
    steady = [week(70 if k % 2 == 0 else 72) for k in range(WINDOW)]
    assert (
        spc_signals_new_at_last_week([*steady, week(20, n=9)], window=WINDOW, min_group_size=10)
        == frozenset()
    )


def test_weekly_means_hide_small_weeks_and_the_next_smallest_as_the_dashboard_does():
    assert weekly_means([week(70, 12), week(60, 3), week(80, 11)], min_group_size=10) == [
        70.0,
        None,
        None,
    ]


def test_the_window_must_be_one_week_longer_than_the_chart():
    with pytest.raises(ValueError):
        spc_signals_new_at_last_week([week(70)] * WINDOW, window=WINDOW, min_group_size=10)


@pytest.mark.parametrize(
    ("promoters", "detractors", "n", "share"),
    [(5, 3, 12, 0.25), (5, 3, 13, 3 / 13), (0, 9, 9, None), (0, 0, 0, None)],
)
def test_detractor_share_is_detractors_of_answers_and_undefined_below_the_minimum(
    promoters, detractors, n, share
):
    assert detractor_share(Recommendation(promoters, detractors, n), min_group_size=10) == share


@pytest.mark.parametrize(
    ("this_week", "week_before", "crossed"),
    [
        (Recommendation(5, 3, 12), Recommendation(6, 2, 10), True),  # 0.25 after 0.20: at the line
        (Recommendation(5, 3, 13), Recommendation(6, 2, 10), False),  # 0.2308: below it
        (Recommendation(5, 3, 12), Recommendation(5, 3, 12), False),  # stayed at 0.25: not new
        (Recommendation(5, 3, 12), Recommendation(0, 5, 9), True),  # before: too few to judge
        (Recommendation(0, 9, 9), Recommendation(6, 2, 10), False),  # 9 answers: never judged
    ],
)
def test_detractor_share_crosses_the_threshold_at_or_above_it_after_a_week_below(
    this_week, week_before, crossed
):
    assert (
        detractor_share_crossed(this_week, week_before, threshold=0.25, min_group_size=10)
        is crossed
    )

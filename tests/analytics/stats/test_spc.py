"""XmR chart limits and every signal rule, computed by hand."""

import pytest

from analytics.stats.spc import Signal, xmr_chart

# Twelve baseline points alternating 52 and 50 (ending below the centre): centre 51, every moving
# range 2, so the limits are 51 +/- 2.66 * 2 = 45.68 .. 56.32 and two-thirds lines 51 +/- 3.5467.
STEADY = [52.0, 50.0] * 6
# Twelve baseline points alternating 40 and 60: centre 50, moving range 20, limits
# 50 +/- 53.2 = -3.2 .. 103.2, two-thirds lines at 50 +/- 35.4667 = 14.53 .. 85.47.
WIDE = [40.0, 60.0] * 6


def test_limits_are_the_mean_plus_minus_2_66_average_moving_ranges():
    chart = xmr_chart([10, 12, 11, 13, 12])
    # centre = 58 / 5 = 11.6; moving ranges 2, 1, 2, 1 -> 1.5; 2.66 * 1.5 = 3.99
    for point in chart.points:
        assert point.centre == pytest.approx(11.6)
        assert point.lower == pytest.approx(7.61)
        assert point.upper == pytest.approx(15.59)
        assert point.provisional
        assert point.signals == frozenset()


def test_limits_are_fixed_on_the_first_twelve_points():
    chart = xmr_chart([*STEADY, 51.0, 70.0, 52.0])
    assert [point.centre for point in chart.points] == [pytest.approx(51.0)] * 15
    assert chart.points[-1].lower == pytest.approx(45.68)
    assert chart.points[-1].upper == pytest.approx(56.32)
    assert not any(point.provisional for point in chart.points)
    assert chart.indices_with(Signal.BEYOND_LIMIT) == [13]  # 70 > 56.32


def test_limits_stay_provisional_and_move_until_twelve_points():
    eleven = xmr_chart(STEADY[:11])
    assert all(point.provisional for point in eleven.points)
    assert eleven.points[0].centre == pytest.approx(sum(STEADY[:11]) / 11)  # 560 / 11


def test_a_point_below_the_lower_limit_is_a_signal_but_one_on_the_limit_is_not():
    # Baseline 10, 14: centre 12, moving range 4, limits 12 +/- 10.64 = 1.36 .. 22.64.
    chart = xmr_chart([10, 14, 12, 10, 14, 12, 10, 14, 12, 10, 14, 12, 1.0])
    assert chart.points[0].centre == 12
    assert chart.indices_with(Signal.BEYOND_LIMIT) == [12]
    on_the_line = chart.points[0].upper
    fixed = xmr_chart([10, 14, 12, 10, 14, 12, 10, 14, 12, 10, 14, 12, on_the_line])
    assert fixed.indices_with(Signal.BEYOND_LIMIT) == []


def test_seven_points_above_the_centre_are_a_shift():
    # 53 and 54 are above 51 but inside both the limits and the two-thirds line (54.55).
    chart = xmr_chart([*STEADY, 53, 54, 53, 54, 53, 54, 53])
    assert chart.indices_with(Signal.SHIFT) == list(range(12, 19))
    assert chart.indices_with(Signal.BEYOND_LIMIT) == []
    assert chart.indices_with(Signal.TWO_OF_THREE) == []
    assert chart.indices_with(Signal.TREND) == []


def test_six_points_above_the_centre_are_not_a_shift():
    chart = xmr_chart([*STEADY, 53, 54, 53, 54, 53, 54, 50])
    assert chart.indices_with(Signal.SHIFT) == []


def test_a_point_on_the_centre_breaks_a_shift():
    chart = xmr_chart([*STEADY, 49, 50, 49, 51, 50, 49, 50, 49])  # 51 is the centre
    assert chart.indices_with(Signal.SHIFT) == []


def test_a_longer_shift_below_the_centre_marks_every_point_of_it():
    chart = xmr_chart([*STEADY, *[49.0, 48.0] * 4, 55.0])
    # The last baseline point (50) is already below 51, so the run is indices 11 .. 19.
    assert chart.indices_with(Signal.SHIFT) == list(range(11, 20))


def test_seven_rising_points_are_a_trend():
    # 44 .. 56 cross the centre (50), stay inside the limits and the two-thirds lines.
    chart = xmr_chart([*WIDE, 44, 46, 48, 50, 52, 54, 56])
    assert chart.indices_with(Signal.TREND) == list(range(12, 19))
    assert chart.indices_with(Signal.SHIFT) == []
    assert chart.indices_with(Signal.BEYOND_LIMIT) == []


def test_seven_falling_points_are_a_trend_and_six_are_not():
    falling = xmr_chart([*WIDE, 56, 54, 52, 50, 48, 46, 44])
    # 60 -> 56 is already a fall, so the run starts at the last baseline point (index 11).
    assert falling.indices_with(Signal.TREND) == list(range(11, 19))
    six = xmr_chart([*WIDE[:-1], 30, 56, 54, 52, 50, 48, 46])  # 30 -> 56 rises: 6 falling points
    assert six.indices_with(Signal.TREND) == []


def test_a_tie_breaks_a_trend():
    chart = xmr_chart([*WIDE, 44, 46, 48, 48, 52, 54, 56])
    assert chart.indices_with(Signal.TREND) == []


def test_two_of_three_beyond_two_thirds_of_the_limit_distance_on_one_side():
    # 90 and 88 are above 85.47 (and below the 103.2 limit); 50 between them is the third point.
    chart = xmr_chart([*WIDE, 90, 50, 88])
    assert chart.indices_with(Signal.TWO_OF_THREE) == [12, 14]
    assert chart.indices_with(Signal.BEYOND_LIMIT) == []


def test_two_of_three_needs_both_points_on_the_same_side():
    assert xmr_chart([*WIDE, 90, 50, 10]).indices_with(Signal.TWO_OF_THREE) == []  # 10 < 14.53
    assert xmr_chart([*WIDE, 90, 50, 50]).indices_with(Signal.TWO_OF_THREE) == []
    assert xmr_chart([*WIDE, 10, 12, 50]).indices_with(Signal.TWO_OF_THREE) == [12, 13]


def test_rebasing_at_an_intervention_gives_the_new_stretch_its_own_centre_and_limits():
    before, after = [50.0, 52.0] * 3, [70.0, 72.0] * 3
    # Without the rebase all 12 points are one baseline: centre 732 / 12 = 61, moving ranges
    # ten 2s and one 18 -> 38 / 11, limits 61 +/- 2.66 * 38 / 11 = 51.81 .. 70.19.
    plain = xmr_chart(before + after)
    assert plain.points[0].upper == pytest.approx(61 + 2.66 * 38 / 11)
    assert plain.indices_with(Signal.BEYOND_LIMIT) == [0, 2, 4, 7, 9, 11]
    rebased = xmr_chart(before + after, rebase_at=[6])
    assert [point.centre for point in rebased.points] == [51.0] * 6 + [71.0] * 6
    # After: moving ranges 2 -> limits 71 +/- 5.32.
    assert rebased.points[6].lower == pytest.approx(65.68)
    assert rebased.points[6].upper == pytest.approx(76.32)
    assert all(not point.signals for point in rebased.points)
    assert [(s.start, s.end) for s in rebased.segments] == [(0, 6), (6, 12)]


def test_runs_do_not_cross_a_rebase():
    values = [*WIDE, 52, 53, 54, 55, 56, 57, 58]
    assert xmr_chart(values).indices_with(Signal.TREND) == list(range(12, 19))
    # After rebasing at 15 the rising run is cut into 3 + 4 points.
    assert xmr_chart(values, rebase_at=[15]).indices_with(Signal.TREND) == []


def test_no_points_give_an_empty_chart():
    chart = xmr_chart([])
    assert chart.points == () and chart.segments == ()


def test_one_point_has_a_centre_but_no_limits_or_signals():
    (point,) = xmr_chart([42.0]).points
    assert (point.value, point.centre, point.lower, point.upper) == (42.0, 42.0, None, None)
    assert point.signals == frozenset()


def test_two_points_have_limits_from_their_one_moving_range():
    chart = xmr_chart([10.0, 14.0])
    # centre 12, moving range 4: 12 +/- 10.64
    assert chart.points[0].lower == pytest.approx(1.36)
    assert chart.points[1].upper == pytest.approx(22.64)


def test_all_equal_values_collapse_the_limits_onto_the_centre_without_signals():
    chart = xmr_chart([75.0] * 20)
    assert all(p.lower == p.centre == p.upper == 75.0 for p in chart.points)
    assert all(not p.signals for p in chart.points)


def test_missing_values_are_skipped_and_carry_no_signal():
    chart = xmr_chart([10, None, 12, 11, None, 13, 12])
    # same as [10, 12, 11, 13, 12]: centre 11.6, limits 7.61 .. 15.59
    assert chart.points[1].value is None
    assert chart.points[1].centre == pytest.approx(11.6)
    assert chart.points[4].upper == pytest.approx(15.59)
    assert all(not p.signals for p in chart.points)


def test_a_stretch_with_only_missing_values_has_no_centre():
    chart = xmr_chart([10, 12, None, None], rebase_at=[2])
    assert chart.points[3].centre is None
    assert chart.points[0].centre == 11


def test_a_negative_rebase_index_is_refused():
    with pytest.raises(ValueError):
        xmr_chart([1, 2, 3], rebase_at=[-1])

"""Statistics against hand calculations (the arithmetic is written out) and published tables."""

import math
import subprocess
import sys

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics.stats import (
    Z_95,
    Z_998,
    FunnelLimits,
    FunnelPosition,
    Limits,
    Moments,
    Proportion,
    Recommendation,
    SuppressionReason,
    breakdown_suppression,
    funnel_limits,
    funnel_limits_for_mean,
    funnel_position,
    is_low_reliability,
    is_suppressed,
    mean_summary,
    normal_quantile,
    nps,
    nps_summary,
    regularized_incomplete_beta,
    student_t_cdf,
    student_t_quantile,
    suppression_label,
    top_box_composite,
    two_sided_probability,
    wilson_interval,
)

# --- distributions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.7062), (2, 4.3027), (3, 3.1824), (5, 2.5706), (10, 2.2281), (30, 2.0423),
     (100, 1.9840), (1_000_000, 1.9600)],
)  # fmt: skip
def test_t_quantile_at_975_matches_the_published_table_to_four_decimals(df, expected):
    assert student_t_quantile(0.975, df) == pytest.approx(expected, abs=5e-5)


@pytest.mark.parametrize(
    ("probability", "df", "expected"),
    [(0.999, 3, 10.2145), (0.9999, 3, 22.2037), (0.999, 30, 3.3852), (0.6, 7, 0.2632),
     (0.025, 10, -2.2281), (0.5, 4, 0.0)],
)  # fmt: skip
def test_t_quantile_matches_the_table_in_the_tails_and_below_the_median(probability, df, expected):
    assert student_t_quantile(probability, df) == pytest.approx(expected, abs=5e-5)


def test_t_quantile_approaches_the_normal_quantile_for_large_df():
    assert student_t_quantile(0.975, 10**7) == pytest.approx(1.959964, abs=1e-6)


def test_t_cdf_matches_the_closed_form_for_four_degrees_of_freedom():
    # F(t) = 1/2 + 3/8 * u * (1 - t^2 / (12 (1 + t^2/4))), u = t / sqrt(1 + t^2/4); t = -1.5:
    # 1 + 2.25/4 = 1.5625, u = -1.5/1.25 = -1.2, 1 - 2.25/18.75 = 0.88, 0.5 - 0.375*1.2*0.88
    assert student_t_cdf(-1.5, 4) == pytest.approx(0.104, abs=1e-12)


def test_incomplete_beta_matches_closed_forms():
    assert regularized_incomplete_beta(0.3, 1, 1) == pytest.approx(0.3)  # I_x(1,1) = x
    assert regularized_incomplete_beta(0.3, 2, 1) == pytest.approx(0.09)  # I_x(2,1) = x^2
    assert regularized_incomplete_beta(0.5, 7.5, 7.5) == pytest.approx(0.5)  # symmetry


@pytest.mark.parametrize(
    ("probability", "expected"),
    [(0.975, 1.959964), (0.999, 3.090232), (0.5, 0.0), (0.025, -1.959964),
     (0.8413447461, 1.0), (1e-10, -6.361341)],
)  # fmt: skip
def test_normal_quantile_matches_the_table(probability, expected):
    assert normal_quantile(probability) == pytest.approx(expected, abs=1e-6)


def test_funnel_z_values_cover_95_and_99_8_percent():
    assert two_sided_probability(Z_95) == pytest.approx(0.95, abs=1e-7)
    assert two_sided_probability(Z_998) == pytest.approx(0.998, abs=1e-7)


@pytest.mark.parametrize("probability", [0.0, 1.0, -0.1, 1.5])
def test_quantiles_refuse_probabilities_outside_the_open_unit_interval(probability):
    with pytest.raises(ValueError):
        student_t_quantile(probability, 5)
    with pytest.raises(ValueError):
        normal_quantile(probability)


# --- means ------------------------------------------------------------------------------------


def test_mean_sd_and_t_interval_of_four_scores():
    moments = Moments.of([60, 70, 80, 90])
    assert moments == Moments(4, 300, 3600 + 4900 + 6400 + 8100)
    summary = mean_summary(moments)
    # var = (23000 - 300^2 / 4) / 3 = 500 / 3; t(0.975, 3) = 3.182446
    sd = math.sqrt(500 / 3)
    assert summary.mean == 75
    assert summary.sd == pytest.approx(sd)
    assert summary.lower == pytest.approx(75 - 3.182446 * sd / 2, abs=1e-5)
    assert summary.upper == pytest.approx(75 + 3.182446 * sd / 2, abs=1e-5)
    assert (round(summary.lower, 4), round(summary.upper, 4)) == (54.4574, 95.5426)


def test_no_responses_leave_everything_undefined():
    summary = mean_summary(Moments())
    assert (summary.n, summary.mean, summary.sd, summary.lower, summary.upper) == (0, *[None] * 4)


def test_one_response_has_a_mean_but_no_sd_or_interval():
    summary = mean_summary(Moments.of([80]))
    assert (summary.mean, summary.sd, summary.lower, summary.upper) == (80, None, None, None)


def test_rounding_that_makes_the_sum_of_squares_negative_gives_zero_variance():
    moments = Moments.of([0.1, 0.1, 0.1])
    assert moments.total_sq - moments.total**2 / moments.n < 0  # the floating-point trap
    summary = mean_summary(moments)
    assert summary.sd == 0.0
    assert summary.lower == summary.upper == summary.mean


def test_moments_add_field_by_field():
    assert Moments(2, 10, 60) + Moments(3, 5, 9) == Moments(5, 15, 69)
    assert Moments.merged([Moments(1, 2, 4), Moments(1, 3, 9)]) == Moments(2, 5, 13)


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        Moments(-1, 0, 0)


# --- proportions, NPS, composites ------------------------------------------------------------


def test_wilson_interval_of_8_of_10_is_0_4902_to_0_9433():
    summary = wilson_interval(Proportion(8, 10))
    assert summary.value == 0.8
    assert (round(summary.lower, 4), round(summary.upper, 4)) == (0.4902, 0.9433)


def test_wilson_interval_at_the_edges_reaches_zero_and_one():
    z2 = Z_95**2
    none = wilson_interval(Proportion(0, 10))
    assert none.lower == 0.0
    assert none.upper == pytest.approx(z2 / (10 + z2))  # 3.8415 / 13.8415 = 0.2775
    every = wilson_interval(Proportion(10, 10))
    assert every.upper == 1.0
    assert every.lower == pytest.approx(10 / (10 + z2))


def test_wilson_interval_is_undefined_without_answers():
    summary = wilson_interval(Proportion(0, 0))
    assert (summary.value, summary.lower, summary.upper) == (None, None, None)


def test_a_count_above_n_is_refused():
    with pytest.raises(ValueError):
        Proportion(11, 10)


def test_nps_is_percent_promoters_minus_percent_detractors():
    assert nps(Recommendation(promoters=6, detractors=2, n=10)) == 40.0  # 60% - 20%
    assert nps(Recommendation(promoters=0, detractors=5, n=5)) == -100.0
    assert nps(Recommendation(promoters=3, detractors=0, n=3)) == 100.0


def test_nps_is_undefined_not_zero_without_answers():
    assert nps(Recommendation()) is None
    assert nps_summary(Recommendation()).nps is None


def test_nps_wald_interval_by_hand():
    # p = 0.6, d = 0.2: var = (0.8 - 0.4^2) / 10 = 0.064, half = 100 * 1.959964 * sqrt(0.064)
    summary = nps_summary(Recommendation(6, 2, 10))
    half = 100 * 1.959964 * math.sqrt(0.064)
    assert summary.lower == pytest.approx(40 - half)
    assert summary.upper == pytest.approx(40 + half)


def test_nps_interval_is_clipped_to_the_scale():
    summary = nps_summary(Recommendation(9, 0, 10))
    assert summary.upper == 100.0
    assert summary.lower < 90.0


def test_top_box_composite_averages_item_percentages_not_pooled_answers():
    items = [Proportion(8, 10), Proportion(6, 10), Proportion(15, 20)]  # 80%, 60%, 75%
    assert top_box_composite(items) == pytest.approx((0.8 + 0.6 + 0.75) / 3)
    assert round(100 * top_box_composite(items), 2) == 71.67
    assert (8 + 6 + 15) / (10 + 10 + 20) == 0.725  # what pooling would wrongly give


def test_top_box_composite_leaves_out_unanswered_items_and_is_undefined_without_any():
    assert top_box_composite([Proportion(8, 10), Proportion(0, 0)]) == 0.8
    assert top_box_composite([Proportion(0, 0)]) is None
    assert top_box_composite([]) is None


# --- funnel limits ----------------------------------------------------------------------------


def test_mean_funnel_limits_are_target_plus_minus_z_sigma_over_root_n():
    alert = funnel_limits_for_mean(target=75, sigma=20, n=100, z=Z_95)
    assert alert == Limits(pytest.approx(75 - 1.959964 * 2), pytest.approx(75 + 1.959964 * 2))
    alarm = funnel_limits_for_mean(target=75, sigma=20, n=25, z=Z_998)
    assert alarm == Limits(pytest.approx(75 - 3.090232 * 4), pytest.approx(75 + 3.090232 * 4))
    assert funnel_limits_for_mean(target=75, sigma=20, n=0, z=Z_95) is None


def test_funnel_position_inside_alert_and_alarm():
    limits = FunnelLimits(100, alert=Limits(70, 80), alarm=Limits(65, 85))
    assert funnel_position(value=75, limits=limits) is FunnelPosition.INSIDE
    assert funnel_position(value=80, limits=limits) is FunnelPosition.INSIDE  # on the line
    assert funnel_position(value=81, limits=limits) is FunnelPosition.ALERT
    assert funnel_position(value=69, limits=limits) is FunnelPosition.ALERT
    assert funnel_position(value=85.5, limits=limits) is FunnelPosition.ALARM
    assert funnel_position(value=60, limits=limits) is FunnelPosition.ALARM


def test_funnel_limits_bundle_both_levels():
    means = funnel_limits(n=25, target=75, sigma=20)
    assert means.alert.upper == pytest.approx(75 + 1.959964 * 4)
    assert means.alarm.lower == pytest.approx(75 - 3.090232 * 4)
    assert funnel_limits(n=25, target=75, sigma=None) is None


# --- suppression and reliability --------------------------------------------------------------


def test_groups_under_the_minimum_are_suppressed():
    assert is_suppressed(9, min_group_size=10)
    assert not is_suppressed(10, min_group_size=10)
    assert suppression_label(SuppressionReason.SMALL_GROUP, min_group_size=10) == (
        "fewer than 10 responses"
    )


def test_provider_scores_under_30_are_low_reliability():
    assert is_low_reliability(29, threshold=30)
    assert not is_low_reliability(30, threshold=30)


def test_one_hidden_cell_also_hides_the_next_smallest():
    hidden = breakdown_suppression({"a": 3, "b": 50, "c": 40, "d": 12}, min_group_size=10)
    assert hidden == {"a": SuppressionReason.SMALL_GROUP, "d": SuppressionReason.COMPLEMENTARY}


def test_hidden_cells_that_together_reach_the_minimum_need_no_complement():
    hidden = breakdown_suppression({"a": 6, "b": 7, "c": 40}, min_group_size=10)
    assert hidden == {"a": SuppressionReason.SMALL_GROUP, "b": SuppressionReason.SMALL_GROUP}


def test_empty_cells_hide_nothing_and_need_no_complement():
    assert breakdown_suppression({"a": 0, "b": 50, "c": 40}, min_group_size=10) == {}
    assert breakdown_suppression({"a": 20, "b": 50}, min_group_size=10) == {}


def test_issue_15_breakdown_hides_only_the_two_small_cells():
    # 5 and 3 hide each other (the total gives only their sum, 8); the 12 is not needed as a
    # complement and the empty cell holds nobody.
    hidden = breakdown_suppression({"a": 30, "b": 12, "c": 5, "d": 3, "e": 0}, min_group_size=10)
    assert hidden == {"c": SuppressionReason.SMALL_GROUP, "d": SuppressionReason.SMALL_GROUP}


def test_the_complement_of_one_hidden_cell_is_never_an_empty_cell():
    hidden = breakdown_suppression({"a": 30, "b": 12, "c": 5, "e": 0}, min_group_size=10)
    assert hidden == {"c": SuppressionReason.SMALL_GROUP, "b": SuppressionReason.COMPLEMENTARY}


def test_the_complement_is_the_smallest_visible_cell_so_fewest_respondents_are_lost():
    hidden = breakdown_suppression({"a": 11, "b": 90, "c": 2, "d": 40}, min_group_size=5)
    assert hidden == {"c": SuppressionReason.SMALL_GROUP, "a": SuppressionReason.COMPLEMENTARY}


def test_when_every_cell_is_small_all_are_hidden_and_no_complement_exists():
    hidden = breakdown_suppression({"a": 2, "b": 4, "c": 0, "d": 9}, min_group_size=10)
    assert hidden == {k: SuppressionReason.SMALL_GROUP for k in ("a", "b", "d")}


def test_one_small_cell_beside_only_empty_cells_has_no_complement_to_take():
    assert breakdown_suppression({"a": 4, "b": 0}, min_group_size=10) == {
        "a": SuppressionReason.SMALL_GROUP
    }


def test_staff_threshold_of_five_applies_the_same_rule():
    hidden = breakdown_suppression({"a": 4, "b": 5, "c": 6}, min_group_size=5)
    assert hidden == {"a": SuppressionReason.SMALL_GROUP, "b": SuppressionReason.COMPLEMENTARY}


def test_a_two_cell_breakdown_with_one_small_cell_hides_both():
    hidden = breakdown_suppression({"a": 4, "b": 90}, min_group_size=10)
    assert set(hidden) == {"a", "b"}


def test_complement_ties_go_to_the_earlier_cell():
    hidden = breakdown_suppression({"x": 2, "b": 15, "a": 15}, min_group_size=10)
    assert hidden == {"x": SuppressionReason.SMALL_GROUP, "b": SuppressionReason.COMPLEMENTARY}


# --- properties ---------------------------------------------------------------------------------

scores = st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), max_size=60)


@settings(max_examples=150, deadline=None)
@given(scores, scores)
# Identical scores: sum-of-squares cancellation once left a spread of rounding noise (an SD of
# about 1e-6) that differed between the merged and the whole sums.
@example([75.11626248930123] * 2, [75.11626248930123] * 3)
def test_merging_the_moments_of_two_halves_equals_the_moments_of_the_whole(left, right):
    merged, whole = Moments.of(left) + Moments.of(right), Moments.of(left + right)
    assert merged.n == whole.n
    assert merged.total == pytest.approx(whole.total, abs=1e-9)
    assert merged.total_sq == pytest.approx(whole.total_sq, rel=1e-12, abs=1e-9)
    a, b = mean_summary(merged), mean_summary(whole)
    for x, y in [(a.mean, b.mean), (a.lower, b.lower), (a.upper, b.upper)]:
        assert x == y or x == pytest.approx(y, rel=1e-9, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=2, max_size=60))
def test_the_mean_always_lies_inside_its_interval(values):
    summary = mean_summary(Moments.of(values))
    assert summary.lower <= summary.mean <= summary.upper


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))  # fmt: skip
def test_wilson_interval_contains_p_and_stays_within_zero_and_one(count_and_n):
    summary = wilson_interval(Proportion(*count_and_n))
    assert 0.0 <= summary.lower <= summary.value <= summary.upper <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_nps_and_its_interval_stay_within_minus_and_plus_100(promoters, detractors, passives):
    summary = nps_summary(Recommendation(promoters, detractors, promoters + detractors + passives))
    if summary.nps is None:
        assert promoters + detractors + passives == 0
        return
    assert -100.0 <= summary.nps <= 100.0
    if summary.lower is not None:
        assert -100.0 <= summary.lower <= summary.nps <= summary.upper <= 100.0


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0.0001, max_value=0.9999), st.integers(min_value=1, max_value=2000))
def test_the_t_quantile_inverts_the_t_cdf(probability, df):
    assert student_t_cdf(student_t_quantile(probability, df), df) == pytest.approx(
        probability, abs=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=100.0),
    st.floats(min_value=0.0, max_value=50.0),
    st.integers(min_value=1, max_value=3000),
)
def test_alarm_limits_always_contain_alert_limits_around_the_target(target, sigma, n):
    limits = funnel_limits(n=n, target=target, sigma=sigma)
    assert limits.alarm.lower <= limits.alert.lower <= target <= limits.alert.upper
    assert limits.alert.upper <= limits.alarm.upper


def test_statistics_spc_and_chart_modules_never_import_django():
    code = (
        "import sys, analytics.stats, analytics.stats.spc, analytics.charts; "
        "sys.exit('django' in {name.split('.')[0] for name in sys.modules})"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

"""Chart builders: the figure data equals the statistics, and suppression reaches every trace."""

import datetime as dt
import json

import pytest

from analytics.charts import (
    Intervention,
    ItemTopBox,
    TrendPeriod,
    UnitMoments,
    dimension_clinic_heatmap,
    funnel_chart_for_means,
    funnel_curve_sizes,
    top_box_bars,
    trend_chart,
)
from analytics.stats import Moments, Proportion, funnel_limits, mean_summary, wilson_interval

MONDAY = dt.date(2026, 1, 5)


def traces(chart, name):
    return [trace for trace in chart.figure_json()["data"] if trace.get("name") == name]


def trace(chart, name):
    (found,) = traces(chart, name)
    return found


def weeks(values_per_week):
    return [
        TrendPeriod(MONDAY + dt.timedelta(weeks=i), Moments.of(values))
        for i, values in enumerate(values_per_week)
    ]


# --- trend ------------------------------------------------------------------------------------


def test_trend_points_and_band_are_the_weekly_means_and_t_intervals():
    periods = weeks([[60, 70, 80] * 4, [70, 80, 90] * 4, [50, 60, 70, 80] * 3])
    chart = trend_chart(title="Empathy", periods=periods, min_group_size=10)
    expected = [mean_summary(period.moments) for period in periods]
    assert trace(chart, "Score")["y"] == [70.0, 80.0, 65.0]
    assert trace(chart, "Score")["x"] == ["2026-01-05", "2026-01-12", "2026-01-19"]
    band = trace(chart, "95% interval")
    assert band["y"] == [summary.lower for summary in expected]
    assert chart.table.rows[0][:5] == (
        "2026-01-05",
        12,
        70.0,
        round(expected[0].lower, 1),
        round(expected[0].upper, 1),
    )


def test_trend_centre_and_limits_come_from_the_xmr_chart():
    # Weekly means 70, 80, 65: centre 215/3, moving ranges 10 and 15 -> 12.5, limits +/- 33.25.
    periods = weeks([[60, 70, 80] * 4, [70, 80, 90] * 4, [50, 60, 70, 80] * 3])
    chart = trend_chart(title="Empathy", periods=periods, min_group_size=10)
    assert trace(chart, "Centre")["y"] == [pytest.approx(215 / 3)] * 3
    assert trace(chart, "Upper limit")["y"][0] == pytest.approx(215 / 3 + 2.66 * 12.5)
    assert trace(chart, "Lower limit")["y"][0] == pytest.approx(215 / 3 - 2.66 * 12.5)


def test_trend_signals_are_marked_at_their_weeks():
    # Twelve weeks alternating 70 and 72 (centre 71, limits 71 +/- 5.32), then a week at 90.
    periods = weeks([[70] * 10, [72] * 10] * 6 + [[90] * 10])
    chart = trend_chart(title="Trust", periods=periods, min_group_size=10)
    marker = trace(chart, "Beyond a limit")
    assert marker["x"] == [(MONDAY + dt.timedelta(weeks=12)).isoformat()]
    assert marker["y"] == [90.0]
    assert chart.table.rows[12][8] == "Beyond a limit"
    assert chart.table.rows[11][8] == ""


def test_a_small_week_and_its_complement_are_gaps_in_the_trend_and_the_table():
    periods = weeks([[70] * 20, [80] * 4, [75] * 15, [72] * 30])
    chart = trend_chart(title="Respect", periods=periods, min_group_size=10)
    assert trace(chart, "Score")["y"] == [70.0, None, None, 72.0]
    assert trace(chart, "95% interval")["y"][1:3] == [None, None]
    assert [row[9] for row in chart.table.rows] == [
        "",
        "fewer than 10 responses",
        "hidden so that a group of fewer than 10 cannot be worked out",
        "",
    ]
    assert chart.table.rows[1][1:5] == (None, None, None, None)
    text = json.dumps(chart.figure_json())
    assert "80.0" not in text and "75.0" not in text  # the hidden weeks' means


def test_an_intervention_draws_a_labelled_marker_and_a_table_column_without_splitting_limits():
    periods = weeks([[50] * 10, [52] * 10] * 3 + [[70] * 10, [72] * 10] * 3)
    on = MONDAY + dt.timedelta(weeks=6, days=2)
    chart = trend_chart(
        title="Time",
        periods=periods,
        min_group_size=10,
        interventions=[Intervention(on, "New rota")],
    )
    layout = chart.figure_json()["layout"]
    assert [shape["x0"] for shape in layout["shapes"]] == [on.isoformat()]
    assert [note["text"] for note in layout["annotations"]] == ["New rota"]
    assert chart.table.columns[-1] == "Interventions"
    # Wednesday of week 7 is listed on week 7's row (index 6), nowhere else.
    assert [row[-1] for row in chart.table.rows] == [""] * 6 + [f"New rota ({on})"] + [""] * 5
    # Unless asked, one baseline: the later level is beyond the limits (6 points).
    assert len(trace(chart, "Beyond a limit")["x"]) == 6


def test_a_long_title_is_shortened_on_the_chart_but_whole_with_its_clinic_in_the_table():
    periods = weeks([[50] * 10] * 4)
    title = "Compassionate communication programme for all staff"
    chart = trend_chart(
        title="Time",
        periods=periods,
        min_group_size=10,
        interventions=[Intervention(MONDAY, title, "Riverside")],
    )
    (note,) = chart.figure_json()["layout"]["annotations"]
    assert note["text"] == "Compassionate communication…" and len(note["text"]) == 28
    assert note["hovertext"] == f"{title} (Riverside, {MONDAY})"
    assert chart.table.rows[0][-1] == f"{title} (Riverside, {MONDAY})"


def test_limits_recalculated_from_an_intervention_split_at_the_next_period():
    periods = weeks([[50] * 10, [52] * 10] * 3 + [[70] * 10, [72] * 10] * 3)
    # A Wednesday: its week still belongs to the old process, the split is the next Monday.
    on = MONDAY + dt.timedelta(weeks=5, days=2)
    chart = trend_chart(
        title="Time",
        periods=periods,
        min_group_size=10,
        interventions=[Intervention(on, "New rota")],
        limits_from=on,
    )
    # Hand calculation: weeks 1-6 are 50, 52, 50, 52, 50, 52: centre 51, mean moving range 2,
    # limits 51 -/+ 2.66 * 2 = 45.68 and 56.32; weeks 7-12 the same around 71.
    assert trace(chart, "Centre")["y"] == [51.0] * 6 + [71.0] * 6
    assert trace(chart, "Upper limit")["y"][5] == pytest.approx(56.32)
    assert trace(chart, "Lower limit")["y"][6] == pytest.approx(65.68)
    assert traces(chart, "Beyond a limit") == []


def test_trend_figure_is_plain_json_with_an_axis_fitted_to_the_data_and_titles():
    chart = trend_chart(title="Empathy, weekly", periods=weeks([[70] * 10]), min_group_size=10)
    figure = json.loads(json.dumps(chart.figure_json()))
    # One value, no spread and no limits yet: 70 with the least padding, 2 points either side.
    assert figure["layout"]["yaxis"]["range"] == [68.0, 72.0]
    assert figure["layout"]["yaxis"]["title"]["text"] == "Score (0-100)"
    assert figure["layout"]["title"]["text"] == "Empathy, weekly"
    assert "<script" not in json.dumps(figure)


def test_a_trend_without_periods_is_an_empty_chart():
    chart = trend_chart(title="Empathy", periods=[], min_group_size=10)
    assert chart.table.rows == ()
    assert trace(chart, "Score")["x"] == []


# --- funnel -----------------------------------------------------------------------------------


def test_mean_funnel_curves_equal_the_stats_limits_at_every_n():
    organisation = Moments.of([60, 70, 80, 90] * 50)
    units = [
        UnitMoments("Riverside", Moments.of([70, 80] * 30)),
        UnitMoments("Hillcrest", Moments.of([60, 90] * 40)),
    ]
    chart = funnel_chart_for_means(
        title="Empathy", units=units, organisation=organisation, min_group_size=10
    )
    upper95, lower998 = traces(chart, "95% limits")[1], traces(chart, "99.8% limits")[0]
    for n, alert_upper, alarm_lower in zip(upper95["x"], upper95["y"], lower998["y"], strict=True):
        expected = funnel_limits(n=n, target=75.0, sigma=organisation.sd)
        assert alert_upper == pytest.approx(expected.alert.upper)
        assert alarm_lower == pytest.approx(expected.alarm.lower)
    assert upper95["x"][0] == 10 and upper95["x"][-1] >= 80
    assert trace(chart, "Target (organisation)")["y"] == [75.0, 75.0]


def test_units_beyond_99_8_percent_are_highlighted_and_named():
    # Organisation: mean 75, SD ~11.2; n = 60 gives 99.8% limits 75 +/- 3.09 * 11.2 / 7.75 ~ 4.5.
    organisation = Moments.of([60, 70, 80, 90] * 50)
    units = [
        UnitMoments("Riverside", Moments.of([74, 76] * 30)),
        UnitMoments("Hillcrest", Moments.of([40, 50] * 30)),
    ]
    chart = funnel_chart_for_means(
        title="Empathy", units=units, organisation=organisation, min_group_size=10
    )
    alarm = trace(chart, "Outside 99.8% (alarm)")
    assert alarm["text"] == ["Hillcrest"] and alarm["x"] == [60] and alarm["y"] == [45.0]
    assert "text" in alarm["mode"]
    assert trace(chart, "Inside the 95% limits")["text"] == ["Riverside"]
    assert [row[7] for row in chart.table.rows] == ["inside", "alarm"]


def test_small_units_and_their_complement_are_left_off_the_funnel():
    units = [
        UnitMoments("Tiny", Moments.of([10] * 4)),
        UnitMoments("Mid", Moments.of([90] * 20)),
        UnitMoments("Big", Moments.of([70] * 200)),
    ]
    chart = funnel_chart_for_means(
        title="Trust",
        units=units,
        organisation=Moments.of([10] * 4 + [90] * 20 + [70] * 200),
        min_group_size=10,
    )
    plotted = [name for t in chart.figure_json()["data"] for name in t.get("text") or []]
    assert plotted == ["Big"]
    assert chart.table.rows[0][1:8] == (None,) * 7
    assert chart.table.rows[0][8] == "fewer than 10 responses"
    assert chart.table.rows[1][8].startswith("hidden so that")


def test_provider_units_under_30_responses_are_marked_low_reliability():
    units = [
        UnitMoments("Dr. Ortiz", Moments.of([70, 80] * 10)),
        UnitMoments("Dr. Lee", Moments.of([70, 80] * 20)),
    ]
    chart = funnel_chart_for_means(
        title="Empathy",
        units=units,
        organisation=Moments.of([70, 80] * 30),
        min_group_size=10,
        low_reliability_n=30,
    )
    inside = trace(chart, "Inside the 95% limits")
    assert inside["marker"]["symbol"] == ["circle-open", "circle"]
    assert [row[8] for row in chart.table.rows] == ["low reliability", ""]


def test_funnel_curve_sizes_run_from_the_smallest_to_the_largest_n():
    sizes = funnel_curve_sizes(1000, smallest_n=10)
    assert sizes[0] == 10 and sizes[-1] == 1000
    assert sizes == sorted(set(sizes)) and len(sizes) > 40


# --- top box bars, heatmap, distribution ------------------------------------------------------


def test_top_box_bars_show_percent_with_wilson_error_bars():
    chart = top_box_bars(
        title="Items", items=[ItemTopBox("Listened", Proportion(8, 10))], min_group_size=10
    )
    (bar,) = chart.figure_json()["data"]
    wilson = wilson_interval(Proportion(8, 10))
    assert bar["x"] == [80.0]
    assert bar["error_x"]["array"] == [pytest.approx(100 * wilson.upper - 80)]
    assert bar["error_x"]["arrayminus"] == [pytest.approx(80 - 100 * wilson.lower)]
    assert chart.table.rows == (("Listened", 10, 80.0, 49.0, 94.3, ""),)


def test_an_item_with_few_answers_has_no_bar_and_says_why():
    chart = top_box_bars(
        title="Items",
        items=[
            ItemTopBox("Listened", Proportion(8, 10)),
            ItemTopBox("Explained", Proportion(3, 9)),
        ],
        min_group_size=10,
    )
    (bar,) = chart.figure_json()["data"]
    assert bar["x"] == [80.0, None]
    assert [a["text"] for a in chart.figure_json()["layout"]["annotations"]] == [
        "fewer than 10 responses"
    ]
    assert chart.table.rows[1] == ("Explained", None, None, None, None, "fewer than 10 responses")


def test_heatmap_blanks_small_cells_and_their_complement_within_each_dimension():
    cells = {
        ("Empathy", "A"): Moments.of([70] * 20),
        ("Empathy", "B"): Moments.of([61] * 5),
        ("Empathy", "C"): Moments.of([60] * 50),
        ("Trust", "A"): Moments.of([80] * 20),
        ("Trust", "B"): Moments.of([81] * 12),
        ("Trust", "C"): Moments.of([82] * 50),
    }
    chart = dimension_clinic_heatmap(
        title="Scores",
        dimensions=["Empathy", "Trust"],
        clinics=["A", "B", "C"],
        cells=cells,
        min_group_size=10,
    )
    (heatmap,) = chart.figure_json()["data"]
    assert heatmap["z"] == [[None, None, 60.0], [80.0, 81.0, 82.0]]
    assert heatmap["customdata"][0][:2] == [
        "hidden so that a group of fewer than 10 cannot be worked out",
        "fewer than 10 responses",
    ]
    assert heatmap["text"][0][1] == "n<10"
    assert "61" not in json.dumps(heatmap) and "70.0" not in json.dumps(heatmap)
    assert chart.table.rows[1] == (
        "Empathy",
        "B",
        None,
        None,
        None,
        None,
        "fewer than 10 responses",
    )
    assert heatmap["zmin"] == 0 and heatmap["zmax"] == 100


def test_a_data_tables_rows_are_escaped_localised_and_show_a_dash_for_no_value():
    from django.utils import translation

    from analytics.dashboard.assembly import ChartView

    chart = ChartView(
        "funnel",
        "Compared",
        {},
        ("Unit", "Value", "Responses"),
        (("<b>Dr O'Neil</b>", None, 12), ("Clinic & co", 71.25, 1500)),
    )

    with translation.override("en"):
        assert str(chart.rows_html) == (
            '<tr><th scope="row">&lt;b&gt;Dr O&#x27;Neil&lt;/b&gt;</th><td>–</td><td>12</td></tr>\n'
            '<tr><th scope="row">Clinic &amp; co</th><td>71.25</td><td>1500</td></tr>'
        )
    with translation.override("es"):
        assert "<td>71,25</td>" in chart.rows_html


# --- issue 15: fitted axis, partial last period, first-period stub ----------------------------


def test_trend_axis_fits_scores_band_and_limits_with_ten_percent_padding():
    # Weekly means 70, 80, 65, limits 215/3 +/- 33.25 = 38.42 .. 104.92: the drawn span is
    # the lowest band/limit to the highest, padded by 10% and kept within 0..100.
    periods = weeks([[60, 70, 80] * 4, [70, 80, 90] * 4, [50, 60, 70, 80] * 3])
    chart = trend_chart(title="Empathy", periods=periods, min_group_size=10)
    low, high = chart.figure_json()["layout"]["yaxis"]["range"]
    lowest = 215 / 3 - 2.66 * 12.5
    assert low == pytest.approx(lowest - 0.1 * (215 / 3 + 2.66 * 12.5 - lowest))
    assert high == 100.0


def test_fitted_range_pads_by_a_tenth_of_the_span_or_two_points():
    from analytics.charts.trend import fitted_range

    assert fitted_range(60.0, 80.0) == pytest.approx((58.0, 82.0))
    assert fitted_range(60.0, 100.0) == pytest.approx((56.0, 100.0))
    assert fitted_range(70.0, 71.0) == pytest.approx((68.0, 73.0))


def test_a_partial_last_week_is_an_open_marker_and_never_a_signal():
    # Twelve steady weeks, then a partial week at 90 that would be beyond the upper limit.
    periods = weeks([[70] * 10, [72] * 10] * 6 + [[90] * 10])
    chart = trend_chart(title="Trust", periods=periods, min_group_size=10, last_period_partial=True)
    assert traces(chart, "Beyond a limit") == []
    assert trace(chart, "Score")["y"][-1] is None
    partial = trace(chart, "So far (partial)")
    assert partial["y"] == [72.0, 90.0]
    assert partial["marker"]["symbol"] == "circle-open"
    assert chart.table.rows[-1][2] == 90.0
    assert chart.table.rows[-1][8] == ""
    assert chart.table.rows[-1][9] == "period so far (partial): no signal"
    # The same week, complete, is a signal.
    whole = trend_chart(title="Trust", periods=periods, min_group_size=10)
    assert trace(whole, "Beyond a limit")["y"] == [90.0]


def test_weekly_trend_drops_a_first_week_covered_for_less_than_half():
    from analytics.charts.periods import trend_periods

    # Sunday 6 Sep 2026 to Friday 4 Dec 2026: the week of Monday 31 Aug is one day (a stub).
    periods = trend_periods(dt.date(2026, 9, 6), dt.date(2026, 12, 4), "week")
    assert periods.starts[0] == dt.date(2026, 9, 7)
    assert periods.starts[-1] == dt.date(2026, 11, 30)
    assert periods.last_partial  # Mon 30 Nov to Fri 4 Dec: five of seven days
    # Thursday 3 Sep: four of seven days, more than half, kept.
    kept = trend_periods(dt.date(2026, 9, 3), dt.date(2026, 12, 6), "week")
    assert kept.starts[0] == dt.date(2026, 8, 31)
    assert not kept.last_partial  # ends on Sunday 6 Dec, the week's last day


def test_monthly_trend_drops_a_stub_month_and_marks_the_current_month_partial():
    from analytics.charts.periods import trend_periods

    periods = trend_periods(dt.date(2026, 8, 20), dt.date(2026, 12, 4), "month")
    assert periods.starts == [
        dt.date(2026, 9, 1),
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    ]
    assert periods.last_partial
    whole = trend_periods(dt.date(2026, 8, 10), dt.date(2026, 11, 30), "month")
    assert whole.starts[0] == dt.date(2026, 8, 1) and not whole.last_partial


def test_provider_heatmap_has_providers_as_rows_suppresses_per_dimension_and_marks_low_n():
    from analytics.charts import provider_dimension_heatmap

    cells = {
        ("Dr. Ana Long-Surname Example", "Empathy"): Moments.of([80] * 40),
        ("Dr. Bo", "Empathy"): Moments.of([60] * 12),
        ("Dr. Cy", "Empathy"): Moments.of([50] * 5),  # hidden; Dr. Bo (12) is its complement
        ("Dr. Ana Long-Surname Example", "Trust"): Moments.of([70] * 40),
        ("Dr. Bo", "Trust"): Moments.of([90] * 20),
        # Dr. Cy has no Trust answers: an empty cell, neither hidden nor a complement.
    }
    chart = provider_dimension_heatmap(
        title="By provider",
        dimensions=["Empathy", "Trust"],
        providers=["Dr. Ana Long-Surname Example", "Dr. Bo", "Dr. Cy"],
        cells=cells,
        min_group_size=10,
        low_reliability_n=30,
    )
    (heatmap,) = chart.figure_json()["data"]
    assert heatmap["y"] == ["Dr. Ana<br>Long-Surname<br>Example", "Dr. Bo", "Dr. Cy"]
    assert heatmap["x"] == ["Empathy", "Trust"]
    assert heatmap["z"] == [[80.0, 70.0], [None, 90.0], [None, None]]
    assert heatmap["text"] == [["80.0", "70.0"], ["hidden", "90.0*"], ["n<10", ""]]
    assert heatmap["customdata"][2][1] == "no responses"
    notes = {(row[0], row[1]): row[-1] for row in chart.table.rows}
    assert notes[("Trust", "Dr. Bo")] == "low reliability (fewer than 30 responses)"
    assert notes[("Trust", "Dr. Cy")] == "no responses"
    assert notes[("Empathy", "Dr. Ana Long-Surname Example")] == ""
    annotation = chart.figure_json()["layout"]["annotations"][0]["text"]
    assert annotation == "* fewer than 30 responses:<br>low reliability"
    # The colour bar's title runs along the bar, so a phone never cuts it.
    assert heatmap["colorbar"]["title"]["side"] == "right"


def test_wrapped_label_breaks_long_names_at_spaces_only():
    from analytics.charts.breakdowns import wrapped_label

    assert wrapped_label("Prairie Creek Community Clinic") == "Prairie Creek<br>Community<br>Clinic"
    assert wrapped_label("Empathy") == "Empathy"


def test_funnel_axes_fit_the_units_so_an_outlier_is_inside_the_plot_not_on_its_edge():
    # Organisation mean 75, SD ~11.2 (n = 200); an outlier at 45 with n = 60.
    organisation = Moments.of([60, 70, 80, 90] * 50)
    units = [
        UnitMoments("Riverside", Moments.of([74, 76] * 30)),
        UnitMoments("Hillcrest", Moments.of([40, 50] * 30)),
    ]
    chart = funnel_chart_for_means(
        title="Empathy", units=units, organisation=organisation, min_group_size=10
    )
    layout = chart.figure_json()["layout"]
    # x: 0 to 1.1 x the largest n (60 -> 66); y: 45 .. upper 99.8% limit at n = 60, padded.
    assert layout["xaxis"]["range"] == [0, 66]
    upper = funnel_limits(n=60, target=75.0, sigma=organisation.sd).alarm.upper
    low, high = layout["yaxis"]["range"]
    assert low == pytest.approx(45.0 - 0.1 * (upper - 45.0))
    assert high == pytest.approx(upper + 0.2 * (upper - 45.0))  # room for names on top
    assert low < 45.0 < high


def test_funnel_names_lean_inwards_near_either_edge_so_they_are_never_cut():
    from analytics.charts.funnel import label_position

    assert label_position(12, 100) == "top right"
    assert label_position(50, 100) == "top center"
    assert label_position(95, 100) == "top left"
    organisation = Moments.of([60, 70, 80, 90] * 50)
    units = [
        UnitMoments("Dr. Becker, LCSW", Moments.of([40, 50] * 6)),
        UnitMoments("Dr. Hale", Moments.of([75] * 100)),
    ]
    chart = funnel_chart_for_means(
        title="Empathy", units=units, organisation=organisation, min_group_size=10
    )
    alarm = trace(chart, "Outside 99.8% (alarm)")
    assert alarm["textposition"] == ["top right"] and alarm["cliponaxis"] is False


def test_an_empty_unit_is_neither_hidden_nor_a_complement_and_says_no_responses():
    organisation = Moments.of([70] * 20 + [80] * 30)
    units = [
        UnitMoments("A", Moments.of([70] * 20)),
        UnitMoments("B", Moments()),
        UnitMoments("C", Moments.of([80] * 30)),
    ]
    chart = funnel_chart_for_means(
        title="t", units=units, organisation=organisation, min_group_size=10
    )
    rows = {row[0]: row for row in chart.table.rows}
    assert rows["B"][1:] == (None,) * 7 + ("no responses",)
    assert rows["A"][1:3] == (20, 70.0) and rows["C"][1:3] == (30, 80.0)


def test_legends_sit_above_the_plot_two_a_row_for_trends_only():
    trend = trend_chart(title="t", periods=weeks([[70] * 10] * 3), min_group_size=10)
    legend = trend.figure_json()["layout"]["legend"]
    assert (legend["y"], legend["yanchor"], legend["entrywidth"]) == (1.02, "bottom", 0.5)
    organisation = Moments.of([60, 70, 80, 90] * 50)
    funnel = funnel_chart_for_means(
        title="f",
        units=[UnitMoments("A", Moments.of([70] * 20))],
        organisation=organisation,
        min_group_size=10,
    )
    legend = funnel.figure_json()["layout"]["legend"]
    assert legend["y"] == 1.02 and "entrywidth" not in legend  # long entries keep their width

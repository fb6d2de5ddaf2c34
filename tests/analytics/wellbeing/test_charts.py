"""The wellbeing figures are valid plotly figures, with hidden rounds as gaps and n on labels."""

import plotly.graph_objects as go

from analytics.charts.wellbeing import clinic_scatter_figure, wellbeing_rounds_figure
from analytics.stats import Moments, mean_summary

ROUND = mean_summary(Moments.of([25.0, 37.5, 50.0, 62.5, 75.0]))
PATIENTS = mean_summary(Moments.of([70.0, 80.0, 90.0]))


def test_the_rounds_figure_leaves_a_hidden_round_as_a_gap_with_its_interval_as_error_bars():
    figure = wellbeing_rounds_figure(
        title="By round",
        round_labels=["Q1", "Q2"],
        staff={"Energy": [None, ROUND]},
        patients={"Empathy": [PATIENTS, PATIENTS]},
    )
    go.Figure(figure)  # raises on any property plotly does not know
    staff, patients = figure["data"]
    assert staff["y"] == [None, 50.0]
    assert staff["error_y"]["array"][1] == ROUND.upper - 50.0
    assert staff["error_y"]["arrayminus"][0] is None
    assert patients["line"]["dash"] == "dash"
    assert figure["layout"]["xaxis"]["type"] == "category"


def test_the_scatter_labels_each_clinic_with_both_n():
    figure = clinic_scatter_figure(
        x_title="Energy (higher = less burnout)",
        y_title="Empathy",
        points=[("Eastgate", ROUND, PATIENTS), ("Westgate", PATIENTS, ROUND)],
    )
    go.Figure(figure)
    east, west = figure["data"]
    assert (east["x"], east["y"]) == ([50.0], [80.0])
    assert east["name"] == "Eastgate<br>staff n=5, patients n=3"
    assert west["name"] == "Westgate<br>staff n=3, patients n=5"
    assert figure["layout"]["xaxis"]["title"]["text"] == "Energy<br>(higher = less burnout)"

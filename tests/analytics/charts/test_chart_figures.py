"""Every dashboard figure is valid plotly: built as plain dicts, checked here by plotly.py."""

import datetime as dt
import json

import plotly.graph_objects as go
import pytest

from analytics.charts import (
    Intervention,
    ItemTopBox,
    TrendPeriod,
    UnitMoments,
    dimension_clinic_heatmap,
    funnel_chart_for_means,
    provider_dimension_heatmap,
    top_box_bars,
    trend_chart,
)
from analytics.charts.recommend import recommend_classes_chart
from analytics.stats import Moments, Proportion, Recommendation
from tests.analytics.charts.test_charts import MONDAY, weeks

PLOTLY_CHARTS = {
    "trend with a gap, signals and an intervention": lambda: trend_chart(
        title="Time",
        periods=weeks([[50] * 10, [90] * 3] + [[52] * 10] * 5 + [[95] * 10] * 6),
        min_group_size=10,
        interventions=[Intervention(MONDAY + dt.timedelta(weeks=6), "New rota")],
    ),
    "mean funnel with an alarm and a low-reliability unit": lambda: funnel_chart_for_means(
        title="Empathy",
        units=[
            UnitMoments("Riverside", Moments.of([74, 76] * 10)),
            UnitMoments("Hillcrest", Moments.of([40, 50] * 30)),
            UnitMoments("Tiny", Moments.of([10] * 4)),
        ],
        organisation=Moments.of([60, 70, 80, 90] * 50),
        min_group_size=10,
        low_reliability_n=30,
    ),
    "top-box bars with a hidden item": lambda: top_box_bars(
        title="Items",
        items=[
            ItemTopBox("Listened", Proportion(8, 10)),
            ItemTopBox("Explained", Proportion(3, 9)),
        ],
        min_group_size=10,
    ),
    "heatmap with hidden cells": lambda: dimension_clinic_heatmap(
        title="Scores",
        dimensions=["Empathy"],
        clinics=["A", "B", "C"],
        cells={
            ("Empathy", "A"): Moments.of([70] * 20),
            ("Empathy", "B"): Moments.of([61] * 5),
            ("Empathy", "C"): Moments.of([60] * 50),
        },
        min_group_size=10,
    ),
    "provider heatmap with empty and low-reliability cells": lambda: provider_dimension_heatmap(
        title="Scores",
        dimensions=["Empathy", "Trust"],
        providers=["Dr. A", "Dr. B"],
        cells={
            ("Dr. A", "Empathy"): Moments.of([70] * 20),
            ("Dr. B", "Empathy"): Moments.of([61] * 40),
            ("Dr. A", "Trust"): Moments.of([60] * 50),
        },
        min_group_size=10,
        low_reliability_n=30,
    ),
    "trend with a partial last week": lambda: trend_chart(
        title="Trend",
        periods=[
            TrendPeriod(dt.date(2026, 1, 5) + dt.timedelta(weeks=k), Moments.of([70 + k] * 12))
            for k in range(4)
        ],
        min_group_size=10,
        last_period_partial=True,
    ),
    "recommend classes": lambda: recommend_classes_chart(
        title="LTR", recommendation=Recommendation(9, 2, 16), min_group_size=10
    ),
    "recommend classes of a small group": lambda: recommend_classes_chart(
        title="LTR", recommendation=Recommendation(5, 2, 9), min_group_size=10
    ),
}


@pytest.mark.parametrize("build", PLOTLY_CHARTS.values(), ids=PLOTLY_CHARTS.keys())
def test_every_figure_is_valid_plotly_that_plotly_keeps_whole(build):
    """The figures are plain dicts (plotly.py's validation is too slow for every request), so
    plotly.py checks them here: an unknown or mistyped property raises, and what it keeps must be
    everything we built, with no value coerced."""
    figure = json.loads(json.dumps(build().figure_json()))
    validated = json.loads(go.Figure(figure).to_json())
    assert validated["data"] == figure["data"]
    validated["layout"].pop("template")  # plotly.py's default; plotly.js draws without one
    assert validated["layout"] == figure["layout"]


def test_plotly_validation_catches_a_mistyped_property():
    chart = top_box_bars(title="Items", items=[], min_group_size=10)
    chart.figure.add_bar(x=[1], y=["a"], marker={"colour": "#000"})
    with pytest.raises(ValueError, match="colour"):
        go.Figure(chart.figure_json())

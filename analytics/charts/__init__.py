"""Plotly figures for the dashboard, built in Python as data (no HTML, no inline script).

Each builder returns a Chart: the figure (`chart.figure_json()` goes into `json_script` and is
drawn by static/js/dashboard.js) and the DataTable of its numbers for the accessible table and
the CSV download. Suppression is applied here, so no chart or table can show a small group.
"""

from analytics.charts.breakdowns import (
    ItemTopBox,
    dimension_clinic_heatmap,
    provider_dimension_heatmap,
    top_box_bars,
)
from analytics.charts.figure_style import Chart, DataTable
from analytics.charts.funnel import (
    UnitMoments,
    funnel_chart_for_means,
    funnel_curve_sizes,
)
from analytics.charts.interventions import Intervention
from analytics.charts.trend import TrendPeriod, trend_chart

__all__ = [
    "Chart",
    "DataTable",
    "Intervention",
    "ItemTopBox",
    "TrendPeriod",
    "UnitMoments",
    "dimension_clinic_heatmap",
    "funnel_chart_for_means",
    "funnel_curve_sizes",
    "provider_dimension_heatmap",
    "top_box_bars",
    "trend_chart",
]

"""Comment themes and sentiment over time: what the figures hold, and when months replace weeks."""

import datetime as dt

import plotly.graph_objects as go

from analytics.charts.comments import (
    CommentPeriod,
    comment_granularity,
    comment_sentiment_chart,
    comment_themes_chart,
)
from analytics.stats import SuppressionReason

THEMES = [("waiting", "Waiting"), ("kindness", "Kindness"), ("trust", "Trust")]


def periods():
    return [
        CommentPeriod(dt.date(2026, 9, 1), 14, 0.25, None, {"waiting": 6, "kindness": 3}),
        CommentPeriod(dt.date(2026, 10, 1), 12, None, SuppressionReason.COMPLEMENTARY),
        CommentPeriod(dt.date(2026, 11, 1), 20, -0.1, None, {"waiting": 9}),
        CommentPeriod(dt.date(2026, 12, 1), 3, None, SuppressionReason.SMALL_GROUP),
    ]


def test_weeks_when_most_weeks_can_be_shown_else_months():
    assert comment_granularity([12, 15, 3, 10], min_group_size=10) == "week"
    assert comment_granularity([12, 5, 3, 10], min_group_size=10) == "month"  # 2 of 4: not most
    assert comment_granularity([], min_group_size=10) == "month"


def test_theme_bars_count_mentions_per_period_and_leave_hidden_periods_empty():
    chart = comment_themes_chart(
        title="Themes by month",
        periods=periods(),
        themes=THEMES,
        granularity="month",
        min_group_size=10,
    )
    figure = chart.figure_json()
    bars = {trace["name"]: trace["y"] for trace in figure["data"]}
    # Trust is never mentioned in a shown period: no empty legend entry for it.
    assert bars == {"Waiting": [6, None, 9, None], "Kindness": [3, None, 0, None]}
    assert figure["layout"]["barmode"] == "stack"
    assert chart.table.rows[0] == ("2026-09-01", 14, 6, 3, 0, "")
    assert chart.table.rows[1][:5] == ("2026-10-01", None, None, None, None)
    assert chart.table.rows[3][-1] == "fewer than 10 responses"
    go.Figure(figure)  # valid plotly


def test_sentiment_line_is_on_the_whole_scale_with_gaps_for_hidden_periods():
    chart = comment_sentiment_chart(
        title="Sentiment by month", periods=periods(), granularity="month", min_group_size=10
    )
    figure = chart.figure_json()
    (line,) = figure["data"]
    assert line["y"] == [0.25, None, -0.1, None]
    assert line["customdata"] == [[14], [None], [20], [None]]
    assert figure["layout"]["yaxis"]["range"] == [-1, 1]
    assert chart.table.rows[2] == ("2026-11-01", 20, -0.1, "")
    assert "12" not in str(chart.table.rows[1])
    go.Figure(figure)

"""What every dashboard chart shares: colour-blind-safe palette, base layout, the Chart type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from analytics.stats import SuppressionReason, suppression_label

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
GREY = "#8C8C8C"
BAND = "rgba(86, 180, 233, 0.25)"  # sky blue, translucent: confidence bands

FONT_SIZE = 14
SCORE_AXIS_TITLE = "Score (0-100)"
PERCENT_AXIS_TITLE = "Percent (0-100)"


@dataclass(frozen=True)
class DataTable:
    """The numbers behind a chart: its accessible table alternative and its CSV download.
    Hidden (suppressed) values are None, with the reason in the last column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Chart:
    figure: go.Figure
    table: DataTable

    def figure_json(self) -> dict[str, Any]:
        """The figure as plain data, for `json_script` and a static `Plotly.newPlot` call."""
        return self.figure.to_plotly_json()


def base_layout(*, title: str, x_title: str, y_title: str, **overrides: Any) -> dict[str, Any]:
    """Plain white layout with readable type; the "none" template keeps the JSON small."""
    layout: dict[str, Any] = {
        "template": "none",
        "title": {"text": title, "font": {"size": FONT_SIZE + 4}, "x": 0, "xanchor": "left"},
        "font": {"size": FONT_SIZE, "family": "system-ui, -apple-system, Segoe UI, sans-serif"},
        "xaxis": {"title": {"text": x_title}, "automargin": True},
        "yaxis": {"title": {"text": y_title}, "automargin": True, "gridcolor": "#E5E5E5"},
        "legend": {"orientation": "h", "x": 0, "y": -0.25, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 100},
        "hoverlabel": {"font": {"size": FONT_SIZE}},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
    }
    layout.update(overrides)
    return layout


def rounded(value: float | None, digits: int = 1) -> float | None:
    """Table and hover values are rounded for reading; the figure keeps full precision."""
    return None if value is None else round(value, digits)


def percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def hidden_note(reason: SuppressionReason | None, *, min_group_size: int) -> str:
    """The table's note column: why a value is hidden, or "" when it is shown."""
    return "" if reason is None else suppression_label(reason, min_group_size=min_group_size)

"""What every dashboard chart shares: colour-blind-safe palette, base layout, the Chart type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.charts.wording import gettext, gettext_noop, ngettext
from analytics.stats import SuppressionReason

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
# English here; gettext() where a figure is built, in the page's language.
SCORE_AXIS_TITLE = gettext_noop("Score (0-100)")
PERCENT_AXIS_TITLE = gettext_noop("Percent (0-100)")


@dataclass(frozen=True)
class DataTable:
    """The numbers behind a chart: its accessible table alternative and its CSV download.
    Hidden (suppressed) values are None, with the reason in the last column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclass
class PlotlyFigure:
    """A figure as the plain data plotly.js draws, built with the plotly.py method names we use.

    plotly.py's graph objects validate every property as it is set, which cost about 50 ms of
    each uncached dashboard; tests/analytics/charts/test_charts.py validates every chart's data
    through go.Figure instead. No layout template: plotly.js's defaults are plotly.py's "none".
    """

    layout: dict[str, Any]
    data: list[dict[str, Any]] = field(default_factory=list)

    def add_scatter(self, **trace: Any) -> None:
        self.data.append({"type": "scatter", **trace})

    def add_bar(self, **trace: Any) -> None:
        self.data.append({"type": "bar", **trace})

    def add_heatmap(self, **trace: Any) -> None:
        self.data.append({"type": "heatmap", **trace})

    def add_annotation(self, **annotation: Any) -> None:
        self.layout.setdefault("annotations", []).append(annotation)

    def add_vline(self, *, x: Any, line: dict[str, Any]) -> None:
        """A vertical line across the plot area at ``x``, as plotly.py draws one."""
        self.layout.setdefault("shapes", []).append(
            {
                "type": "line",
                "xref": "x",
                "x0": x,
                "x1": x,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": line,
            }
        )

    def update_layout(self, **changes: Any) -> None:
        _merge(self.layout, changes)

    def to_plotly_json(self) -> dict[str, Any]:
        """A copy a caller may change at the top level (as ChartView takes the title off)."""
        return {"data": list(self.data), "layout": dict(self.layout)}


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """Nested dicts are updated key by key, as plotly.py's update_layout does."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


@dataclass(frozen=True)
class Chart:
    figure: PlotlyFigure
    table: DataTable

    def figure_json(self) -> dict[str, Any]:
        """The figure as plain data, for `json_script` and a static `Plotly.newPlot` call."""
        return self.figure.to_plotly_json()


def base_layout(*, title: str, x_title: str, y_title: str, **overrides: Any) -> dict[str, Any]:
    """Plain white layout with readable type."""
    layout: dict[str, Any] = {
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


def legend_above_plot(figure: PlotlyFigure, *, two_a_row: bool = False) -> None:
    """A compact horizontal legend above the plot: below it, a legend placed as a fraction of
    the plot's height ran into the x axis title on a phone. ``two_a_row`` for short entries
    (a trend's), which otherwise stack one a row on a phone; long ones would be cut."""
    legend: dict = {
        "orientation": "h",
        "x": 0,
        "y": 1.02,
        "yanchor": "bottom",
        "font": {"size": 12},
        "tracegroupgap": 0,
    }
    if two_a_row:
        legend |= {"entrywidth": 0.5, "entrywidthmode": "fraction"}
    figure.update_layout(legend=legend, margin={"b": 60})


def rounded(value: float | None, digits: int = 1) -> float | None:
    """Table and hover values are rounded for reading; the figure keeps full precision."""
    return None if value is None else round(value, digits)


def percent(value: float | None) -> float | None:
    return None if value is None else 100.0 * value


def hidden_note(reason: SuppressionReason | None, *, min_group_size: int) -> str:
    """The table's note column: why a value is hidden, or "" when it is shown, in the page's
    language (exports keep analytics.stats.suppression_label's English: they are data)."""
    if reason is None:
        return ""
    if reason is SuppressionReason.SMALL_GROUP:
        text = ngettext("fewer than %(n)d response", "fewer than %(n)d responses", min_group_size)
    else:
        text = gettext("hidden so that a group of fewer than %(n)d cannot be worked out")
    return text % {"n": min_group_size}

"""Figures of the wellbeing pages: staff dimensions per round beside patients' empathy and trust,
and the cross-clinic scatter. Pure data for plotly.js; hidden values are gaps, never numbers."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from analytics.charts.figure_style import (
    BLUE,
    BLUISH_GREEN,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SCORE_AXIS_TITLE,
    SKY_BLUE,
    VERMILLION,
    PlotlyFigure,
    base_layout,
    legend_above_plot,
)
from analytics.charts.wording import decimal, gettext
from analytics.stats import MeanSummary

STAFF_COLOURS = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE)
PATIENT_COLOURS = (VERMILLION, GREY)


def _error_bars(summaries: Sequence[MeanSummary | None]) -> dict[str, Any]:
    upper = [s.upper - s.mean if s and s.upper is not None else None for s in summaries]
    lower = [s.mean - s.lower if s and s.lower is not None else None for s in summaries]
    return {"type": "data", "symmetric": False, "array": upper, "arrayminus": lower}


def wellbeing_rounds_figure(
    *,
    title: str,
    round_labels: Sequence[str],
    staff: Mapping[str, Sequence[MeanSummary | None]],
    patients: Mapping[str, Sequence[MeanSummary | None]],
) -> dict[str, Any]:
    """One line per dimension over the rounds (label -> one summary or None per round), staff
    solid, patients dashed, each point with its 95% interval as an error bar."""
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title="",
            margin={"l": 60, "r": 20, "t": 20 if not title else 60, "b": 60},
            y_title=gettext(SCORE_AXIS_TITLE),
            yaxis={
                "title": {"text": gettext(SCORE_AXIS_TITLE)},
                "range": [0, 100],
                "gridcolor": "#E5E5E5",
            },
            # Each round at its closing day; no axis title, which a phone's legend would cover.
            xaxis={"type": "category", "automargin": True},
        )
    )
    lines = [
        (label, values, colour, "solid")
        for (label, values), colour in zip(staff.items(), STAFF_COLOURS, strict=False)
    ]
    lines += [
        (label, values, colour, "dash")
        for (label, values), colour in zip(patients.items(), PATIENT_COLOURS, strict=False)
    ]
    for label, values, colour, dash in lines:
        figure.add_scatter(
            name=label,
            x=list(round_labels),
            y=[s.mean if s else None for s in values],
            mode="lines+markers",
            line={"color": colour, "dash": dash},
            marker={"color": colour, "size": 8},
            error_y={**_error_bars(values), "color": colour, "thickness": 1.5},
            connectgaps=False,
        )
    return figure.to_plotly_json()


def _wrapped(title: str) -> str:
    """A long axis title over two lines, before its parenthesis ("Energy<br>(higher = ...)")."""
    return title.replace(" (", "<br>(", 1)


SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "pentagon")


def clinic_scatter_figure(
    *,
    x_title: str,
    y_title: str,
    points: Sequence[tuple[str, MeanSummary, MeanSummary]],
) -> dict[str, Any]:
    """(clinic name, staff summary, patient summary) per clinic: one trace each, so the legend
    labels every point with its clinic and both n without labels overlapping on the plot."""
    colours = (BLUE, ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, VERMILLION, GREY)
    layout = base_layout(
        title="",
        x_title=x_title,
        y_title=y_title,
        xaxis={"title": {"text": _wrapped(x_title)}, "range": [0, 100], "automargin": True},
        yaxis={
            "title": {"text": _wrapped(y_title)},
            "range": [0, 100],
            "gridcolor": "#E5E5E5",
            "automargin": True,
        },
        margin={"l": 60, "r": 20, "t": 20, "b": 100},
    )
    figure = PlotlyFigure(layout=layout)
    legend_above_plot(figure)  # below, it ran into the wrapped x-axis title
    for index, (name, staff, patients) in enumerate(points):
        label = gettext("%(clinic)s (staff n=%(staff)d, patients n=%(patients)d)") % {
            "clinic": name,
            "staff": staff.n,
            "patients": patients.n,
        }
        colour = colours[index % len(colours)]
        counts = gettext("staff n=%(staff)d, patients n=%(patients)d") % {
            "staff": staff.n,
            "patients": patients.n,
        }
        figure.add_scatter(
            # Two lines, so a phone's narrow legend shows both counts instead of cutting them.
            name=f"{html.escape(name)}<br>{counts}",
            x=[staff.mean],
            y=[patients.mean],
            mode="markers",
            marker={"color": colour, "size": 12, "symbol": SYMBOLS[index % len(SYMBOLS)]},
            hovertext=[f"{label}: {decimal(staff.mean)} / {decimal(patients.mean)}"],
            hoverinfo="text",
            error_x={**_error_bars([staff]), "color": colour},
            error_y={**_error_bars([patients]), "color": colour},
        )
    return figure.to_plotly_json()

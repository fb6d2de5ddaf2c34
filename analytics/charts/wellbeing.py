"""Figures of the wellbeing pages: staff dimensions per round beside patients' empathy and trust,
and the cross-clinic scatter. Pure data for plotly.js; hidden values are gaps, never numbers."""

from __future__ import annotations

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
            x_title=gettext("Pulse round"),
            y_title=gettext(SCORE_AXIS_TITLE),
            yaxis={
                "title": {"text": gettext(SCORE_AXIS_TITLE)},
                "range": [0, 100],
                "gridcolor": "#E5E5E5",
            },
            xaxis={
                "title": {"text": gettext("Pulse round")},
                "type": "category",
                "automargin": True,
            },
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


def clinic_scatter_figure(
    *,
    title: str,
    x_title: str,
    y_title: str,
    points: Sequence[tuple[str, MeanSummary, MeanSummary]],
) -> dict[str, Any]:
    """(clinic name, staff summary, patient summary) per clinic, each labelled with both n."""
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=x_title,
            y_title=y_title,
            xaxis={"title": {"text": x_title}, "range": [0, 100], "automargin": True},
            yaxis={
                "title": {"text": y_title},
                "range": [0, 100],
                "gridcolor": "#E5E5E5",
                "automargin": True,
            },
            showlegend=False,
        )
    )
    labels = [
        gettext("%(clinic)s (staff n=%(staff)d, patients n=%(patients)d)")
        % {"clinic": name, "staff": staff.n, "patients": patients.n}
        for name, staff, patients in points
    ]
    figure.add_scatter(
        x=[staff.mean for _, staff, _ in points],
        y=[patients.mean for _, _, patients in points],
        mode="markers+text",
        text=labels,
        textposition="top center",
        marker={"color": BLUE, "size": 12},
        hovertext=[
            f"{label}: {decimal(staff.mean)} / {decimal(patients.mean)}"
            for label, (_, staff, patients) in zip(labels, points, strict=True)
        ],
        hoverinfo="text",
        error_x=_error_bars([staff for _, staff, _ in points]),
        error_y=_error_bars([patients for _, _, patients in points]),
    )
    return figure.to_plotly_json()

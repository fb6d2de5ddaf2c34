"""Interventions on a trend chart: labelled vertical markers and their column in the data table.

Kept apart from the trend chart itself so each can change without the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from analytics.charts.figure_style import BLACK, DataTable, PlotlyFigure
from analytics.charts.wording import gettext

LABEL_MAX_CHARS = 28  # longer titles are shortened on the chart; the table has them whole
INTERVENTION_COLOUR = BLACK


@dataclass(frozen=True)
class Intervention:
    on: dt.date  # first day
    label: str  # its title, shown along the marker
    where: str = ""  # e.g. the clinic, with several in view: in the hover text and the table

    def described(self) -> str:
        """Title, place and date, for the hover text and the data table."""
        when = self.on.isoformat()
        return f"{self.label} ({self.where}, {when})" if self.where else f"{self.label} ({when})"


def short_label(label: str, *, limit: int = LABEL_MAX_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def interventions_in_period(
    interventions: Sequence[Intervention], since: dt.date, until: dt.date
) -> list[Intervention]:
    """Those starting within since..until, in date order (markers outside the axis are noise)."""
    return sorted((i for i in interventions if since <= i.on <= until), key=lambda i: i.on)


def intervention_markers_add(figure: PlotlyFigure, interventions: Sequence[Intervention]) -> None:
    """A dotted vertical line per intervention with its label written along the line, at the
    top of the plot, so labels of interventions close together do not overlap."""
    for intervention in sorted(interventions, key=lambda i: i.on):
        when = intervention.on.isoformat()
        figure.add_vline(x=when, line={"color": INTERVENTION_COLOUR, "dash": "dot", "width": 1.5})
        figure.add_annotation(
            x=when,
            y=1,
            xref="x",
            yref="paper",
            text=short_label(intervention.label),
            hovertext=intervention.described(),
            showarrow=False,
            textangle=-90,
            xanchor="right",
            yanchor="top",
            font={"size": 12, "color": INTERVENTION_COLOUR},
            bgcolor="rgba(255, 255, 255, 0.85)",
        )


def intervention_column_add(
    table: DataTable, period_starts: Sequence[dt.date], interventions: Sequence[Intervention]
) -> DataTable:
    """The table with an "Interventions" column: each intervention on the row of the period it
    started in (periods are consecutive; the last one runs to the end of the view)."""
    by_row: list[list[str]] = [[] for _ in period_starts]
    for intervention in sorted(interventions, key=lambda i: i.on):
        rows = [k for k, start in enumerate(period_starts) if start <= intervention.on]
        if rows:
            by_row[rows[-1]].append(intervention.described())
    return DataTable(
        (*table.columns, gettext("Interventions")),
        tuple((*row, "; ".join(found)) for row, found in zip(table.rows, by_row, strict=True)),
    )

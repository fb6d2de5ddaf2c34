"""What patients write about over time: theme mentions and mean sentiment per week or month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics.charts.figure_style import (
    BLACK,
    BLUE,
    BLUISH_GREEN,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SKY_BLUE,
    VERMILLION,
    YELLOW,
    Chart,
    DataTable,
    PlotlyFigure,
    base_layout,
    hidden_note,
    legend_above_plot,
    rounded,
)
from analytics.charts.wording import gettext
from analytics.stats import SuppressionReason

# Okabe & Ito, then two greys: ten themes at most in the taxonomy.
THEME_COLOURS = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, SKY_BLUE, REDDISH_PURPLE, YELLOW, BLACK)


@dataclass(frozen=True)
class CommentPeriod:
    start: dt.date  # first day of the week or month
    comments: int
    mean_sentiment: float | None  # None when hidden
    hidden: SuppressionReason | None  # fewer than min_group_size comments, or its complement
    theme_counts: Mapping[str, int] = field(default_factory=dict)  # theme id -> comments

    @property
    def suppressed(self) -> bool:
        return self.hidden is not None


def comment_granularity(week_counts: Sequence[int], *, min_group_size: int) -> str:
    """ "week" when most weeks have enough comments to be shown, else "month": a chart of weeks
    that are nearly all hidden says nothing."""
    shown = sum(count >= min_group_size for count in week_counts)
    return "week" if week_counts and 2 * shown > len(week_counts) else "month"


def _period_title(granularity: str) -> str:
    return gettext("Week starting") if granularity == "week" else gettext("Month")


def _x(periods: Sequence[CommentPeriod]) -> list[str]:
    return [period.start.isoformat() for period in periods]


def comment_themes_chart(
    *,
    title: str,
    periods: Sequence[CommentPeriod],
    themes: Sequence[tuple[str, str]],  # (theme id, label in the page's language)
    granularity: str,
    min_group_size: int,
) -> Chart:
    """Stacked bars: how many comments of each period mention each theme (a comment can
    mention several). Hidden periods have no bar; the table says why."""
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=_period_title(granularity),
            y_title=gettext("Comments mentioning the theme"),
            barmode="stack",
            hovermode="x unified",
        )
    )
    x = _x(periods)
    mentioned = [
        (theme, label)
        for theme, label in themes
        if any(period.theme_counts.get(theme) for period in periods if not period.suppressed)
    ]
    for index, (theme, label) in enumerate(mentioned):
        figure.add_bar(
            x=x,
            y=[
                None if period.suppressed else period.theme_counts.get(theme, 0)
                for period in periods
            ],
            name=label,
            marker={"color": THEME_COLOURS[index % len(THEME_COLOURS)]},
            hovertemplate=f"%{{y}}<extra>{label}</extra>",
        )
    if granularity == "month":
        figure.update_layout(xaxis={"tickformat": "%b %Y", "dtick": "M1"})
    legend_above_plot(figure)
    columns = (
        _period_title(granularity),
        gettext("Comments"),
        *(label for _, label in themes),
        gettext("Note"),
    )
    rows = tuple(
        (
            period.start.isoformat(),
            None if period.suppressed else period.comments,
            *(
                None if period.suppressed else period.theme_counts.get(theme, 0)
                for theme, _ in themes
            ),
            _hidden_note(period, min_group_size),
        )
        for period in periods
    )
    return Chart(figure, DataTable(columns, rows))


def comment_sentiment_chart(
    *,
    title: str,
    periods: Sequence[CommentPeriod],
    granularity: str,
    min_group_size: int,
) -> Chart:
    """Mean sentiment per period on its whole scale, -1 (very negative) to +1 (very positive),
    with the neutral band drawn, so a small wobble does not look like a swing."""
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=_period_title(granularity),
            y_title=gettext("Mean sentiment (-1 to +1)"),
            yaxis={
                "title": {"text": gettext("Mean sentiment (-1 to +1)")},
                "range": [-1, 1],
                "zeroline": True,
                "zerolinecolor": GREY,
                "gridcolor": "#E5E5E5",
                "automargin": True,
            },
        )
    )
    x = _x(periods)
    figure.add_scatter(
        x=x,
        y=[None if p.suppressed else p.mean_sentiment for p in periods],
        mode="lines+markers",
        name=gettext("Mean sentiment"),
        line={"color": BLUE, "width": 2},
        marker={"size": 8},
        customdata=[[None if p.suppressed else p.comments] for p in periods],
        hovertemplate="%{y:.2f} (n=%{customdata[0]})<extra></extra>",
        connectgaps=False,
    )
    # The neutral band (-0.05 to 0.05, the labels' thresholds), behind the line.
    figure.layout.setdefault("shapes", []).append(
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": -0.05,
            "y1": 0.05,
            "fillcolor": "rgba(140, 140, 140, 0.15)",
            "line": {"width": 0},
            "layer": "below",
        }
    )
    if granularity == "month":
        figure.update_layout(xaxis={"tickformat": "%b %Y", "dtick": "M1"})
    legend_above_plot(figure)
    columns = (
        _period_title(granularity),
        gettext("Comments"),
        gettext("Mean sentiment"),
        gettext("Note"),
    )
    rows = tuple(
        (
            period.start.isoformat(),
            None if period.suppressed else period.comments,
            None if period.suppressed else rounded(period.mean_sentiment, 2),
            _hidden_note(period, min_group_size),
        )
        for period in periods
    )
    return Chart(figure, DataTable(columns, rows))


def _hidden_note(period: CommentPeriod, min_group_size: int) -> str:
    """Why a period is not shown; the reasons speak of responses, as everywhere else."""
    return hidden_note(period.hidden, min_group_size=min_group_size)

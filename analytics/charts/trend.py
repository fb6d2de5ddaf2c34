"""Trend of one dimension as an XmR control chart with its 95% band, signals and interventions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analytics.charts.figure_style import (
    BAND,
    BLACK,
    BLUE,
    GREY,
    ORANGE,
    REDDISH_PURPLE,
    SCORE_AXIS_TITLE,
    SKY_BLUE,
    VERMILLION,
    Chart,
    DataTable,
    PlotlyFigure,
    base_layout,
    hidden_note,
    legend_above_plot,
    rounded,
)
from analytics.charts.interventions import (
    Intervention,
    intervention_column_add,
    intervention_markers_add,
)
from analytics.charts.wording import gettext, gettext_noop, translated
from analytics.stats import (
    MeanSummary,
    Moments,
    SuppressionReason,
    breakdown_suppression,
    mean_summary,
)
from analytics.stats.spc import Signal, XmrChart, limits_split_index, xmr_chart

SIGNAL_STYLE: dict[Signal, tuple[str, str, str]] = {
    Signal.BEYOND_LIMIT: (gettext_noop("Beyond a limit"), "diamond", VERMILLION),
    Signal.SHIFT: (gettext_noop("Shift (7 on one side)"), "square", ORANGE),
    Signal.TREND: (gettext_noop("Trend (7 rising or falling)"), "triangle-up", REDDISH_PURPLE),
    Signal.TWO_OF_THREE: (gettext_noop("2 of 3 near a limit"), "circle-open", BLACK),
}

TREND_COLUMNS = (
    gettext_noop("Period"),
    gettext_noop("Responses"),
    gettext_noop("Score"),
    gettext_noop("95% CI lower"),
    gettext_noop("95% CI upper"),
    gettext_noop("Centre"),
    gettext_noop("Lower limit"),
    gettext_noop("Upper limit"),
    gettext_noop("Signals"),
    gettext_noop("Note"),
)


@dataclass(frozen=True)
class TrendPeriod:
    start: dt.date  # first day of the week or month
    moments: Moments  # of 0-100 dimension scores, summed over the period's rollup rows


def trend_chart(
    *,
    title: str,
    periods: Sequence[TrendPeriod],
    min_group_size: int,
    interventions: Sequence[Intervention] = (),
    limits_from: dt.date | None = None,
    period_title: str | None = None,
    value_title: str | None = None,
    last_period_partial: bool = False,
) -> Chart:
    """Periods in time order. Small periods are hidden, and so is the next-smallest one (the
    periods add up to the headline figure); hidden periods are gaps in the control chart.
    A last period still under way (``last_period_partial``) is drawn as an open marker and
    left out of the control chart: a part-week is no evidence of a change.
    ``limits_from`` (a manager's choice, e.g. an intervention's start) splits the limits there."""
    period_title = period_title or gettext("Week starting")
    value_title = value_title or gettext(SCORE_AXIS_TITLE)
    hidden = breakdown_suppression(
        {index: period.moments.n for index, period in enumerate(periods)},
        min_group_size=min_group_size,
    )
    summaries = [
        None if index in hidden else mean_summary(period.moments)
        for index, period in enumerate(periods)
    ]
    values = [None if summary is None else summary.mean for summary in summaries]
    split = (
        None if limits_from is None else limits_split_index([p.start for p in periods], limits_from)
    )
    chart = xmr_chart(
        _values_for_signals(values, last_period_partial),
        rebase_at=[] if split is None else [split],
    )
    x = [period.start.isoformat() for period in periods]

    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=period_title,
            y_title=value_title,
            yaxis={"title": {"text": value_title}, "gridcolor": "#E5E5E5"},
            hovermode="x unified",
        )
    )
    lowers = [None if s is None else s.lower for s in summaries]
    uppers = [None if s is None else s.upper for s in summaries]
    figure.add_scatter(
        x=x, y=uppers, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False
    )
    figure.add_scatter(
        x=x,
        y=lowers,
        mode="lines",
        line={"width": 0},
        fill="tonexty",
        fillcolor=BAND,
        # xgettext:no-python-format
        name=gettext("95% interval"),
        hoverinfo="skip",
    )
    score = gettext("Score")
    figure.add_scatter(
        x=x,
        y=_values_for_signals(values, last_period_partial),
        mode="lines+markers",
        name=score,
        line={"color": BLUE, "width": 2},
        marker={"size": 7},
        customdata=[[p.moments.n if i not in hidden else None] for i, p in enumerate(periods)],
        hovertemplate=f"%{{y:.1f}} (n=%{{customdata[0]}})<extra>{score}</extra>",
    )
    for name, attribute, dash in (
        (gettext("Centre"), "centre", "solid"),
        (gettext("Lower limit"), "lower", "dash"),
        (gettext("Upper limit"), "upper", "dash"),
    ):
        figure.add_scatter(
            x=x,
            y=[getattr(point, attribute) for point in chart.points],
            mode="lines",
            name=name,
            # Steps, so a rebased level starts at its first period instead of sloping into it.
            line={
                "color": GREY if attribute == "centre" else SKY_BLUE,
                "dash": dash,
                "shape": "hv",
            },
            hovertemplate=f"%{{y:.1f}}<extra>{name}</extra>",
        )
    # Beyond-a-limit is drawn last, on top, since one point can carry several signals.
    for signal, (label, symbol, colour) in reversed(SIGNAL_STYLE.items()):
        marked = chart.indices_with(signal)
        if marked:
            figure.add_scatter(
                x=[x[i] for i in marked],
                y=[values[i] for i in marked],
                mode="markers",
                name=gettext(label),
                marker={
                    "symbol": symbol,
                    "size": 16 if symbol.endswith("open") else 12,
                    "color": colour,
                    "line": {"width": 2},
                },
                hovertemplate=f"{gettext(label)}<extra></extra>",
            )
    if last_period_partial:
        _add_partial_period(figure, x, values)
    _fit_score_axis(figure)
    legend_above_plot(figure, two_a_row=True)
    intervention_markers_add(figure, interventions)
    table = _with_partial_note(
        _trend_table(periods, summaries, chart, hidden, min_group_size), last_period_partial
    )
    if interventions:
        table = intervention_column_add(table, [p.start for p in periods], interventions)
    return Chart(figure, table)


def _values_for_signals(
    values: Sequence[float | None], last_period_partial: bool
) -> list[float | None]:
    """The values the control chart (and the joined score line) uses: a partial last period
    is left out, so it never raises a signal nor moves a limit."""
    return [*values[:-1], None] if last_period_partial and values else list(values)


def _add_partial_period(figure: PlotlyFigure, x: Sequence[str], values: Sequence) -> None:
    """The last, partial period: an open marker joined by a dotted line to the one before."""
    if not values or values[-1] is None:
        return
    label = gettext("So far (partial)")
    before = [(x[i], values[i]) for i in range(len(values) - 1) if values[i] is not None][-1:]
    figure.add_scatter(
        x=[*(point[0] for point in before), x[-1]],
        y=[*(point[1] for point in before), values[-1]],
        mode="lines+markers",
        name=label,
        line={"color": BLUE, "width": 1.5, "dash": "dot"},
        marker={
            "size": [0] * len(before) + [9],
            "symbol": "circle-open",
            "color": BLUE,
            "line": {"width": 2},
        },
        hovertemplate=f"%{{y:.1f}}<extra>{label}</extra>",
    )


def _fit_score_axis(figure: PlotlyFigure) -> None:
    """The y axis fitted to what is drawn (scores, band, limits) with some room either side,
    instead of 0-100, where a change of a few points looks flat."""
    ys = [
        y
        for trace in figure.data
        if trace.get("type") == "scatter"
        for y in trace.get("y", ())
        if isinstance(y, int | float)
    ]
    if ys:
        figure.update_layout(yaxis={"range": list(fitted_range(min(ys), max(ys)))})


def fitted_range(
    low: float, high: float, *, floor: float = 0.0, ceiling: float = 100.0
) -> tuple[float, float]:
    """[low, high] padded by 10% of its span (at least 2 points), kept within the scale."""
    padding = max(0.1 * (high - low), 2.0)
    return max(floor, low - padding), min(ceiling, high + padding)


def _with_partial_note(table: DataTable, last_period_partial: bool) -> DataTable:
    """The table says which period is partial, in its note column."""
    if not last_period_partial or not table.rows:
        return table
    *rows, last = table.rows
    note = gettext("period so far (partial): no signal")
    last = (*last[:-1], "; ".join(text for text in (last[-1], note) if text))
    return DataTable(table.columns, (*rows, last))


def _trend_table(
    periods: Sequence[TrendPeriod],
    summaries: Sequence[MeanSummary | None],
    chart: XmrChart,
    hidden: Mapping[int, SuppressionReason],
    min_group_size: int,
) -> DataTable:
    rows = []
    for index, (period, summary, point) in enumerate(
        zip(periods, summaries, chart.points, strict=True)
    ):
        empty = period.moments.n == 0  # not hidden: it holds nobody (an empty cell)
        rows.append(
            (
                period.start.isoformat(),
                None if summary is None or empty else summary.n,
                rounded(None if summary is None else summary.mean),
                rounded(None if summary is None else summary.lower),
                rounded(None if summary is None else summary.upper),
                rounded(point.centre),
                rounded(point.lower),
                rounded(point.upper),
                "; ".join(gettext(SIGNAL_STYLE[s][0]) for s in SIGNAL_STYLE if s in point.signals),
                gettext("no responses")
                if empty
                else hidden_note(hidden.get(index), min_group_size=min_group_size),
            )
        )
    return DataTable(translated(TREND_COLUMNS), tuple(rows))

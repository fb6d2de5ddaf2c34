"""Funnel plot: each clinic or provider against n, with 95% and 99.8% limits around the target."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analytics.charts.figure_style import (
    BLACK,
    BLUE,
    GREY,
    ORANGE,
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
from analytics.charts.wording import gettext, gettext_noop, pgettext, translated
from analytics.stats import (
    FunnelLimits,
    FunnelPosition,
    Moments,
    SuppressionReason,
    breakdown_suppression,
    funnel_limits,
    funnel_position,
    is_low_reliability,
)

CURVE_POINTS = 80
FUNNEL_COLUMNS = (
    gettext_noop("Unit"),
    gettext_noop("Responses"),
    gettext_noop("Value"),
    # xgettext:no-python-format
    gettext_noop("95% lower limit"),
    # xgettext:no-python-format
    gettext_noop("95% upper limit"),
    # xgettext:no-python-format
    gettext_noop("99.8% lower limit"),
    # xgettext:no-python-format
    gettext_noop("99.8% upper limit"),
    gettext_noop("Position"),
    gettext_noop("Note"),
)
POSITION_STYLE = {
    FunnelPosition.INSIDE: (  # xgettext:no-python-format
        gettext_noop("Inside the 95% limits"),
        "circle",
        BLUE,
    ),
    FunnelPosition.ALERT: (gettext_noop("Outside 95% (alert)"), "square", ORANGE),
    FunnelPosition.ALARM: (gettext_noop("Outside 99.8% (alarm)"), "diamond", VERMILLION),
    None: (gettext_noop("Units (no organisation value to compare with)"), "circle", BLUE),
}


@dataclass(frozen=True)
class UnitMoments:
    label: str  # a clinic or provider name
    moments: Moments


@dataclass(frozen=True)
class _Unit:
    label: str
    n: int
    value: float | None  # a 0-100 score


def funnel_chart_for_means(
    *,
    title: str,
    units: Sequence[UnitMoments],
    organisation: Moments,
    min_group_size: int,
    low_reliability_n: int | None = None,
    value_title: str | None = None,
) -> Chart:
    """Target = the organisation's mean, sigma = its standard deviation (0-100 scores)."""
    target, sigma = organisation.mean, organisation.sd

    def limits_at(n: int) -> FunnelLimits | None:
        if target is None or sigma is None:
            return None
        return funnel_limits(n=n, target=target, sigma=sigma)

    plain = [_Unit(unit.label, unit.moments.n, unit.moments.mean) for unit in units]
    value_title = value_title or gettext(SCORE_AXIS_TITLE)
    return _funnel_chart(
        title, plain, target, limits_at, min_group_size, low_reliability_n, value_title
    )


def funnel_curve_sizes(largest_n: int, *, smallest_n: int = 1) -> list[int]:
    """About CURVE_POINTS sample sizes, evenly spaced on a log scale, for the limit curves."""
    top = max(largest_n, smallest_n + 1)
    ratio = (top / smallest_n) ** (1.0 / (CURVE_POINTS - 1))
    return sorted({min(top, math.ceil(smallest_n * ratio**k)) for k in range(CURVE_POINTS)})


def _funnel_chart(
    title: str,
    units: list[_Unit],
    target: float | None,
    limits_at: Callable[[int], FunnelLimits | None],
    min_group_size: int,
    low_reliability_n: int | None,
    value_title: str,
) -> Chart:
    hidden = breakdown_suppression(
        {index: unit.n for index, unit in enumerate(units)}, min_group_size=min_group_size
    )
    figure = PlotlyFigure(
        layout=base_layout(title=title, x_title=gettext("Responses (n)"), y_title=value_title)
    )
    largest = max([unit.n for unit in units] + [min_group_size * 2])
    sizes = funnel_curve_sizes(math.ceil(largest * 1.1), smallest_n=max(min_group_size, 1))
    curves = [limits_at(n) for n in sizes]
    if target is not None and all(curve is not None for curve in curves):
        figure.add_scatter(
            x=[sizes[0], sizes[-1]],
            y=[target] * 2,
            mode="lines",
            name=gettext("Target (organisation)"),
            line={"color": BLACK, "width": 1.5},
        )
        # xgettext:no-python-format
        alert = gettext("95% limits")
        # xgettext:no-python-format
        alarm = gettext("99.8% limits")
        for name, level, side, dash in (
            (alert, "alert", "lower", "dash"),
            (alert, "alert", "upper", "dash"),
            (alarm, "alarm", "lower", "dot"),
            (alarm, "alarm", "upper", "dot"),
        ):
            figure.add_scatter(
                x=sizes,
                y=[getattr(getattr(curve, level), side) for curve in curves],
                mode="lines",
                name=name,
                legendgroup=level,
                showlegend=side == "lower",
                line={"color": SKY_BLUE if level == "alert" else GREY, "dash": dash},
                hovertemplate=f"n=%{{x}}: %{{y:.1f}}<extra>{name}</extra>",
            )
    rows, placed = [], {position: [] for position in POSITION_STYLE}
    for index, unit in enumerate(units):
        reason = hidden.get(index)
        limits = None if reason else limits_at(unit.n)
        position = (
            funnel_position(value=unit.value, limits=limits)
            if limits is not None and unit.value is not None
            else None
        )
        low = low_reliability_n is not None and is_low_reliability(
            unit.n, threshold=low_reliability_n
        )
        if reason is None and unit.value is not None:
            placed[position].append((unit, low))
        rows.append(_row(unit, reason, limits, position, low, min_group_size))
    x_max = math.ceil(largest * 1.1)
    for position, members in placed.items():
        if members:
            _add_units(figure, position, members, x_max=x_max)
    shown = [unit for members in placed.values() for unit, _ in members]
    _fit_funnel_axes(figure, shown, target, limits_at, x_max)
    legend_above_plot(figure)
    return Chart(figure, DataTable(translated(FUNNEL_COLUMNS), tuple(rows)))


def _fit_funnel_axes(
    figure: PlotlyFigure,
    shown: list[_Unit],
    target: float | None,
    limits_at: Callable[[int], FunnelLimits | None],
    x_max: int,
) -> None:
    """Axes fitted to what matters, so no unit sits on an axis line: x from 0 (every unit has
    at least min_group_size responses, so none is at 0), y around the units, the target and the
    99.8% limits at the smallest unit's n, padded by a tenth (two at the top, for labels). The
    curves' wide mouths at tiny n run off the top and bottom instead of squeezing the units."""
    ys = [unit.value for unit in shown if unit.value is not None]
    if target is not None:
        ys.append(target)
    if shown:
        limits = limits_at(min(unit.n for unit in shown))
        if limits is not None:
            ys += [limits.alarm.lower, limits.alarm.upper]
    figure.update_layout(xaxis={"range": [0, x_max]})
    if ys:
        low, high = min(ys), max(ys)
        padding = max(0.1 * (high - low), 2.0)
        # Twice the room at the top, where a named unit's label sits above its marker.
        figure.update_layout(yaxis={"range": [low - padding, high + 2 * padding]})


def label_position(n: int, x_max: int) -> str:
    """Where a unit's name goes: leaning inwards near either edge, so it is never cut there."""
    if n < 0.25 * x_max:
        return "top right"
    if n > 0.75 * x_max:
        return "top left"
    return "top center"


def _add_units(
    figure: PlotlyFigure, position: FunnelPosition | None, members, *, x_max: int
) -> None:
    label, symbol, colour = POSITION_STYLE[position]
    figure.add_scatter(
        x=[unit.n for unit, _ in members],
        y=[unit.value for unit, _ in members],
        mode="markers+text" if position is FunnelPosition.ALARM else "markers",
        name=gettext(label),
        # Only units beyond 99.8% are named on the plot; every unit is named on hover.
        text=[unit.label for unit, _ in members],
        textposition=[label_position(unit.n, x_max) for unit, _ in members],
        cliponaxis=False,
        customdata=[[gettext("low reliability") if low else ""] for _, low in members],
        marker={
            "symbol": [f"{symbol}-open" if low else symbol for _, low in members],
            "size": 14 if position is FunnelPosition.ALARM else 10,
            "color": colour,
            "line": {"width": 1.5, "color": colour},
        },
        hovertemplate="%{text}<br>n=%{x}, %{y:.1f} %{customdata[0]}<extra></extra>",
    )


def _position_name(position: FunnelPosition) -> str:
    """The table's Position column, in the page's language (in English, the enum's values)."""
    return {
        FunnelPosition.INSIDE: pgettext("funnel position", "inside"),
        FunnelPosition.ALERT: pgettext("funnel position", "alert"),
        FunnelPosition.ALARM: pgettext("funnel position", "alarm"),
    }[position]


def _row(
    unit: _Unit,
    reason: SuppressionReason | None,
    limits: FunnelLimits | None,
    position: FunnelPosition | None,
    low: bool,
    min_group_size: int,
) -> tuple:
    if reason is not None or unit.n == 0:
        # An empty unit is not hidden (it holds nobody), and has nothing to draw.
        note = (
            gettext("no responses")
            if reason is None
            else hidden_note(reason, min_group_size=min_group_size)
        )
        return (unit.label, None, None, None, None, None, None, None, note)
    bounds = (
        [None] * 4
        if limits is None
        else [limits.alert.lower, limits.alert.upper, limits.alarm.lower, limits.alarm.upper]
    )
    return (
        unit.label,
        unit.n,
        rounded(unit.value),
        *(rounded(b) for b in bounds),
        None if position is None else _position_name(position),
        gettext("low reliability") if low else "",
    )

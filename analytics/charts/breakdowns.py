"""Item top-box bars, the dimension heatmaps (by clinic, or by provider), the recommend bars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plotly.colors import make_colorscale, sequential

from analytics.charts.figure_style import (
    BLUE,
    SCORE_AXIS_TITLE,
    Chart,
    DataTable,
    PlotlyFigure,
    base_layout,
    hidden_note,
    percent,
    rounded,
)
from analytics.charts.wording import decimal, gettext, pgettext
from analytics.stats import (
    Moments,
    Proportion,
    SuppressionReason,
    breakdown_suppression,
    is_low_reliability,
    is_suppressed,
    mean_summary,
    wilson_interval,
)

# Designed for colour-vision deficiency, readable in greyscale. Spelt out as plotly.py would:
# plotly.js's own "Cividis" has other stops.
CIVIDIS = make_colorscale(sequential.Cividis)


@dataclass(frozen=True)
class ItemTopBox:
    label: str  # the item's short text in the dashboard's language
    top_box: Proportion  # top-box answers of valid answers


def top_box_bars(*, title: str, items: Sequence[ItemTopBox], min_group_size: int) -> Chart:
    """One horizontal bar per item, in instrument order, with its Wilson 95% interval.

    Items are separate questions over the same respondents, not parts of a total, so only an
    item with too few valid answers is hidden (no complementary cell)."""
    values: list[float | None] = []
    plus: list[float | None] = []
    minus: list[float | None] = []
    rows = []
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=gettext("Top-box answers, percent (0-100)"),
            y_title="",
            xaxis={
                "title": {"text": gettext("Top-box answers, percent (0-100)")},
                "range": [0, 100],
            },
            yaxis={"autorange": "reversed", "automargin": True},
            showlegend=False,
        )
    )
    for item in items:
        if is_suppressed(item.top_box.n, min_group_size=min_group_size):
            values.append(None)
            plus.append(None)
            minus.append(None)
            note = hidden_note(SuppressionReason.SMALL_GROUP, min_group_size=min_group_size)
            figure.add_annotation(
                x=1,
                y=item.label,
                text=note,
                showarrow=False,
                xanchor="left",
                font={"style": "italic", "color": "#404040"},
            )
            rows.append((item.label, None, None, None, None, note))
            continue
        summary = wilson_interval(item.top_box)
        value, lower, upper = percent(summary.value), percent(summary.lower), percent(summary.upper)
        values.append(value)
        plus.append(upper - value)
        minus.append(value - lower)
        rows.append((item.label, summary.n, rounded(value), rounded(lower), rounded(upper), ""))
    figure.add_bar(
        x=values,
        y=[item.label for item in items],
        orientation="h",
        marker={"color": BLUE},
        error_x={"type": "data", "array": plus, "arrayminus": minus, "color": "#404040"},
        hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
    )
    columns = (
        gettext("Item"),
        gettext("Valid answers"),
        gettext("Top-box %"),
        gettext("95% CI lower"),
        gettext("95% CI upper"),
        gettext("Note"),
    )
    return Chart(figure, DataTable(columns, tuple(rows)))


def dimension_clinic_heatmap(
    *,
    title: str,
    dimensions: Sequence[str],
    clinics: Sequence[str],
    cells: Mapping[tuple[str, str], Moments],
    min_group_size: int,
) -> Chart:
    """Mean 0-100 score per (dimension, clinic). Each dimension's row adds up to the headline
    figure for that dimension, so suppression (with its complementary cell) runs per row.
    Hidden cells are blank (None) and say why on hover and in the cell."""
    grid = _score_grid(
        groups=dimensions,
        members=clinics,
        cells=cells,
        min_group_size=min_group_size,
        low_reliability_n=None,
    )
    figure = _heatmap_figure(
        title=title,
        rows=list(dimensions),
        columns=list(clinics),
        grid=grid,
        x_title=gettext("Clinic"),
        y_title=gettext("Dimension"),
    )
    columns = (
        gettext("Dimension"),
        gettext("Clinic"),
        gettext("Responses"),
        gettext("Score"),
        gettext("95% CI lower"),
        gettext("95% CI upper"),
        gettext("Note"),
    )
    return Chart(figure, DataTable(columns, tuple(grid.rows)))


def provider_dimension_heatmap(
    *,
    title: str,
    dimensions: Sequence[str],
    providers: Sequence[str],
    cells: Mapping[tuple[str, str], Moments],
    min_group_size: int,
    low_reliability_n: int,
) -> Chart:
    """With one clinic in view: mean 0-100 score per (provider, dimension), providers as rows so
    long names and a phone's width both fit. A dimension's providers add up to the clinic's
    figure, so suppression (with its complement) runs per dimension; a score on fewer than
    low_reliability_n responses is marked "*" (low reliability), in the cell and the table."""
    grid = _score_grid(
        groups=dimensions,
        members=providers,
        cells={(dimension, provider): m for (provider, dimension), m in cells.items()},
        min_group_size=min_group_size,
        low_reliability_n=low_reliability_n,
    )
    figure = _heatmap_figure(
        title=title,
        rows=list(providers),
        columns=list(dimensions),
        grid=grid.transposed(),
        x_title="",
        y_title=gettext("Provider"),
    )
    # Dimension names along the top, flat where they fit: the note on low reliability below.
    figure.update_layout(xaxis={"side": "top", "title": {"text": ""}}, margin={"b": 60})
    if grid.any_low_reliability:
        note = gettext("* fewer than %(n)d responses: low reliability") % {"n": low_reliability_n}
        figure.add_annotation(
            # Wrapped and right-aligned to the plot's edge: it may use the labels' margin, and
            # a phone's width holds it.
            text=wrapped_label(note, width=28),
            font={"size": 12},
            align="right",
            x=1,
            xref="paper",
            xanchor="right",
            y=0,
            yref="paper",
            yshift=-10,
            yanchor="top",
            showarrow=False,
        )
    columns = (
        gettext("Dimension"),
        gettext("Provider"),
        gettext("Responses"),
        gettext("Score"),
        gettext("95% CI lower"),
        gettext("95% CI upper"),
        gettext("Note"),
    )
    return Chart(figure, DataTable(columns, tuple(grid.rows)))


@dataclass
class _ScoreGrid:
    """z, cell text and hover per (group, member), groups as rows; plus the table's rows."""

    z: list[list[float | None]]
    text: list[list[str]]
    hover: list[list[str]]
    rows: list[tuple]
    any_low_reliability: bool

    def transposed(self) -> _ScoreGrid:
        def flip(grid: list[list]) -> list[list]:
            return [list(column) for column in zip(*grid, strict=True)] if grid else []

        return _ScoreGrid(
            flip(self.z), flip(self.text), flip(self.hover), self.rows, self.any_low_reliability
        )


def _score_grid(
    *,
    groups: Sequence[str],
    members: Sequence[str],
    cells: Mapping[tuple[str, str], Moments],
    min_group_size: int,
    low_reliability_n: int | None,
) -> _ScoreGrid:
    """Each group's members add up to the group's headline figure: suppression runs per group.
    An empty cell is not hidden (it holds nobody): it is blank and says "no responses"."""
    grid = _ScoreGrid([], [], [], [], False)
    for group in groups:
        group_cells = {member: cells.get((group, member), Moments()) for member in members}
        hidden = breakdown_suppression(
            {member: moments.n for member, moments in group_cells.items()},
            min_group_size=min_group_size,
        )
        z_row, text_row, hover_row = [], [], []
        for member, moments in group_cells.items():
            reason = hidden.get(member)
            if moments.n == 0:
                none = gettext("no responses")
                z_row.append(None)
                text_row.append("")
                hover_row.append(none)
                grid.rows.append((group, member, 0, None, None, None, none))
                continue
            if reason is not None:
                note = hidden_note(reason, min_group_size=min_group_size)
                z_row.append(None)
                small = reason is SuppressionReason.SMALL_GROUP
                text_row.append(f"n<{min_group_size}" if small else pgettext("cell", "hidden"))
                hover_row.append(note)
                grid.rows.append((group, member, None, None, None, None, note))
                continue
            summary = mean_summary(moments)
            low = low_reliability_n is not None and is_low_reliability(
                summary.n, threshold=low_reliability_n
            )
            note = (
                gettext("low reliability (fewer than %(n)d responses)") % {"n": low_reliability_n}
                if low
                else ""
            )
            grid.any_low_reliability |= low
            z_row.append(summary.mean)
            text_row.append(decimal(summary.mean) + ("*" if low else ""))
            hover_row.append(
                f"{decimal(summary.mean)} (n={summary.n})" + (f" {note}" if low else "")
            )
            grid.rows.append(
                (
                    group,
                    member,
                    summary.n,
                    rounded(summary.mean),
                    rounded(summary.lower),
                    rounded(summary.upper),
                    note,
                )
            )
        grid.z.append(z_row)
        grid.text.append(text_row)
        grid.hover.append(hover_row)
    return grid


def _heatmap_figure(
    *,
    title: str,
    rows: list[str],
    columns: list[str],
    grid: _ScoreGrid,
    x_title: str,
    y_title: str,
) -> PlotlyFigure:
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=x_title,
            y_title=y_title,
            yaxis={"autorange": "reversed", "automargin": True},
        )
    )
    figure.add_heatmap(
        z=grid.z,
        x=[wrapped_label(column) for column in columns],
        y=[wrapped_label(row) for row in rows],
        text=grid.text,
        customdata=grid.hover,
        texttemplate="%{text}",
        hovertemplate="%{y}, %{x}: %{customdata}<extra></extra>",
        hoverongaps=True,
        colorscale=CIVIDIS,
        zmin=0,
        zmax=100,
        # The bar's title runs along it (rotated), so it never runs off a phone's edge.
        colorbar={
            "title": {"text": gettext(SCORE_AXIS_TITLE), "side": "right"},
            "thickness": 12,
        },
        xgap=2,
        ygap=2,
    )
    return figure


def wrapped_label(label: str, width: int = 14) -> str:
    """A long axis label broken into lines (plotly's <br>) of about ``width`` characters, so a
    provider's full name does not take half a phone's width or get cut at the edge."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines) or label

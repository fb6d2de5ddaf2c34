"""Item top-box bars, the dimension x clinic heatmap, the likelihood-to-recommend distribution."""

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
    z, text, hover, rows = [], [], [], []
    for dimension in dimensions:
        row_cells = {clinic: cells.get((dimension, clinic), Moments()) for clinic in clinics}
        hidden = breakdown_suppression(
            {clinic: moments.n for clinic, moments in row_cells.items()},
            min_group_size=min_group_size,
        )
        z_row, text_row, hover_row = [], [], []
        for clinic, moments in row_cells.items():
            reason = hidden.get(clinic)
            note = hidden_note(reason, min_group_size=min_group_size)
            if reason is not None:
                z_row.append(None)
                small = reason is SuppressionReason.SMALL_GROUP
                text_row.append(f"n<{min_group_size}" if small else pgettext("cell", "hidden"))
                hover_row.append(note)
                rows.append((dimension, clinic, None, None, None, None, note))
                continue
            summary = mean_summary(moments)
            z_row.append(summary.mean)
            text_row.append(decimal(summary.mean))
            hover_row.append(f"{decimal(summary.mean)} (n={summary.n})")
            rows.append(
                (
                    dimension,
                    clinic,
                    summary.n,
                    rounded(summary.mean),
                    rounded(summary.lower),
                    rounded(summary.upper),
                    "",
                )
            )
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=gettext("Clinic"),
            y_title=gettext("Dimension"),
            yaxis={"autorange": "reversed", "automargin": True},
        )
    )
    figure.add_heatmap(
        z=z,
        x=list(clinics),
        y=list(dimensions),
        text=text,
        customdata=hover,
        texttemplate="%{text}",
        hovertemplate="%{y}, %{x}: %{customdata}<extra></extra>",
        hoverongaps=True,
        colorscale=CIVIDIS,
        zmin=0,
        zmax=100,
        colorbar={"title": {"text": gettext(SCORE_AXIS_TITLE)}},
        xgap=2,
        ygap=2,
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
    return Chart(figure, DataTable(columns, tuple(rows)))

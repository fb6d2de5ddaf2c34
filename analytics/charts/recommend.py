"""Likelihood-to-recommend split into detractors, passives and promoters, as rollups keep it.

Pure (no Django import). Rollups store promoters, detractors and n per bucket, not the count at
each point 0-10, so the distribution is shown by class; the 0-10 chart in analytics.charts needs
per-point counts, which only the raw responses hold.
"""

from __future__ import annotations

from analytics.charts import Chart, DataTable
from analytics.charts.figure_style import (
    BLUISH_GREEN,
    GREY,
    PERCENT_AXIS_TITLE,
    VERMILLION,
    PlotlyFigure,
    base_layout,
    hidden_note,
    rounded,
)
from analytics.charts.wording import decimal, gettext, gettext_noop, pgettext, translated
from analytics.stats import Recommendation, SuppressionReason, is_suppressed, nps

COLUMNS = (
    gettext_noop("Class"),
    gettext_noop("Answers"),
    gettext_noop("Count"),
    gettext_noop("Percent"),
    gettext_noop("Note"),
)


def recommend_classes_chart(
    *, title: str, recommendation: Recommendation, min_group_size: int
) -> Chart:
    """Percent of valid answers in each class, with the NPS (promoters % - detractors %)."""
    n = recommendation.n
    classes = (
        (gettext("Detractors"), "0-6", recommendation.detractors, VERMILLION),
        (
            gettext("Passives"),
            "7-8",
            n - recommendation.promoters - recommendation.detractors,
            GREY,
        ),
        (gettext("Promoters"), "9-10", recommendation.promoters, BLUISH_GREEN),
    )
    figure = PlotlyFigure(
        layout=base_layout(
            title=title,
            x_title=gettext("Answer to 'how likely to recommend' (0-10)"),
            y_title=gettext(PERCENT_AXIS_TITLE),
            yaxis={"title": {"text": gettext(PERCENT_AXIS_TITLE)}, "range": [0, 100]},
            showlegend=False,
        )
    )
    if is_suppressed(n, min_group_size=min_group_size):
        note = hidden_note(SuppressionReason.SMALL_GROUP, min_group_size=min_group_size)
        figure.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", text=note, showarrow=False)
        rows = tuple((name, answers, None, None, note) for name, answers, _, _ in classes)
        return Chart(figure, DataTable(translated(COLUMNS), rows))
    figure.update_layout(title={"text": f"{title} · NPS {nps(recommendation):+.0f} (n={n})"})
    labels = [f"{name} ({answers})" for name, answers, _, _ in classes]
    percents = [100.0 * count / n for _, _, count, _ in classes]
    figure.add_bar(
        x=labels,
        y=percents,
        marker={"color": [colour for *_, colour in classes]},
        text=[f"{decimal(value)}%" for value in percents],
        textposition="outside",
        customdata=[count for _, _, count, _ in classes],
        hovertemplate="%{x}: %{y:.1f}% (%{customdata} "
        + pgettext("hover", "answers")
        + ")<extra></extra>",
    )
    rows = tuple(
        (name, answers, count, rounded(percent), "")
        for (name, answers, count, _), percent in zip(classes, percents, strict=True)
    )
    return Chart(figure, DataTable(translated(COLUMNS), rows))

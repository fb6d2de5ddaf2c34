"""The dashboard as data: tiles and charts from one set of rollup reads, ready to cache."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from analytics.charts import (
    Chart,
    ItemTopBox,
    TrendPeriod,
    UnitMoments,
    dimension_clinic_heatmap,
    funnel_chart_for_means,
    provider_dimension_heatmap,
    top_box_bars,
    trend_chart,
)
from analytics.charts.periods import trend_periods
from analytics.charts.recommend import recommend_classes_chart
from analytics.dashboard.interventions import trend_interventions
from analytics.dashboard.reads import DashboardReads, DimensionSums, dashboard_reads
from analytics.dashboard.scope import DashboardScope
from analytics.dashboard.tiles import (
    Tile,
    dimension_tile,
    nps_tile,
    percent_positive_tile,
    response_rate_tile,
    responses_tile,
)
from analytics.stats import Moments, Proportion, is_suppressed
from feedback.instrument_definition import InstrumentDefinition
from feedback.texts import text_in


@dataclass(frozen=True)
class ChartView:
    """One chart as the page needs it: a figure to draw, and the same numbers as a table."""

    name: str  # in the CSV URL: "trend-empathy", "funnel", "items", "heatmap", "recommend"
    title: str
    figure: dict[str, Any]
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    @property
    def figure_id(self) -> str:
        return f"figure-{self.name}"

    @property
    def rows_html(self) -> SafeString:
        """The data table's body rows, escaped and localised as the template would, built here:
        thousands of cells rendered node by node (or through format_html) cost tens of
        milliseconds a page."""

        def shown(cell: Any) -> str:
            return "–" if cell is None else html.escape(str(localize(cell)))

        return mark_safe(
            "\n".join(  # noqa: S308 - every cell is escaped just above
                f'<tr><th scope="row">{shown(head)}</th>'
                + "".join(f"<td>{shown(cell)}</td>" for cell in rest)
                + "</tr>"
                for head, *rest in self.rows
            )
        )

    @property
    def wide(self) -> bool:
        """Long question texts need the page's full width."""
        return self.name == "items"

    @classmethod
    def of(cls, name: str, title: str, chart: Chart) -> ChartView:
        """The page shows the title as a heading (the builder may have added to it, e.g. the
        NPS), so it is taken off the figure rather than shown twice."""
        figure = chart.figure_json()
        layout = figure.setdefault("layout", {})
        title = (layout.pop("title", None) or {}).get("text") or title
        layout["margin"] = {**layout.get("margin", {}), "t": 20}
        return cls(name, title, figure, chart.table.columns, chart.table.rows)


@dataclass(frozen=True)
class Dashboard:
    tiles: tuple[Tile, ...]
    trends: tuple[ChartView, ...]  # one XmR chart per dimension
    comparisons: tuple[ChartView, ...]  # funnel, item bars, heatmap, recommend

    def chart(self, name: str) -> ChartView | None:
        return next((c for c in (*self.trends, *self.comparisons) if c.name == name), None)


def dashboard_build(*, scope: DashboardScope, definition: InstrumentDefinition) -> Dashboard:
    """Every number on the page, from one set of rollup reads (a handful of queries)."""
    reads = dashboard_reads(scope)
    language, small = scope.ui_language, scope.min_group_size
    scored = list(definition.mean_scored_dimensions)
    labels = {d.id: text_in(d.label, language) for d in definition.dimensions}
    totals = reads.totals

    tiles = [
        dimension_tile(
            key=d.id,
            label=labels[d.id],
            current=totals.get(d.id, DimensionSums()).moments,
            previous=reads.previous.get(d.id, DimensionSums()).moments,
            days=scope.days,
            min_group_size=small,
        )
        for d in scored
    ]
    for d in definition.percent_positive_dimensions:
        tiles.append(
            percent_positive_tile(
                key=f"positive-{d.id}",
                label=gettext("%% positive (%(dimension)s)") % {"dimension": labels[d.id].lower()},
                current=totals.get(d.id, DimensionSums()).positive,
                previous=reads.previous.get(d.id, DimensionSums()).positive,
                days=scope.days,
                min_group_size=small,
            )
        )
    for d in definition.recommend_dimensions:
        tiles.append(
            nps_tile(
                label=gettext("NPS (%(dimension)s)") % {"dimension": labels[d.id].lower()},
                current=totals.get(d.id, DimensionSums()).recommendation,
                previous=reads.previous.get(d.id, DimensionSums()).recommendation,
                days=scope.days,
                min_group_size=small,
            )
        )
    tiles.append(
        responses_tile(
            current=reads.responses,
            previous=reads.previous_responses,
            days=scope.days,
            min_group_size=small,
        )
    )
    tiles.append(
        response_rate_tile(
            current=Proportion(reads.invitations.answered, reads.invitations.sent),
            previous=Proportion(
                reads.previous_invitations.answered, reads.previous_invitations.sent
            ),
            days=scope.days,
            min_group_size=small,
        )
    )
    periods = trend_periods(scope.since, scope.until, scope.granularity)
    markers, limits_from = trend_interventions(scope)
    trends = []
    for d in scored:
        title = (
            gettext("%(dimension)s: weekly trend")
            if scope.granularity == "week"
            else gettext("%(dimension)s: monthly trend")
        ) % {"dimension": labels[d.id]}
        chart = trend_chart(
            title=title,
            periods=[
                TrendPeriod(start, reads.trend.get((start, d.id), Moments()))
                for start in periods.starts
            ],
            last_period_partial=periods.last_partial,
            min_group_size=small,
            period_title=(
                gettext("Week starting") if scope.granularity == "week" else gettext("Month")
            ),
            interventions=markers,
            limits_from=limits_from,
        )
        trends.append(ChartView.of(f"trend-{d.id}", title, chart))
    comparisons = [
        _funnel(scope, reads, labels),
        _items(scope, reads, definition),
        _heatmap(scope, reads, scored, labels),
    ]
    for d in definition.recommend_dimensions:
        title = gettext("%(dimension)s: distribution") % {"dimension": labels[d.id]}
        chart = recommend_classes_chart(
            title=title,
            recommendation=totals.get(d.id, DimensionSums()).recommendation,
            min_group_size=small,
        )
        comparisons.append(ChartView.of("recommend", title, chart))
    return Dashboard(tuple(tiles), tuple(trends), tuple(comparisons))


def _funnel(scope: DashboardScope, reads: DashboardReads, labels: dict[str, str]) -> ChartView:
    """Clinics against n when several are in view, else the clinic's providers (the
    responses with no provider recorded are a unit too, so no group can be worked out)."""
    dimension = scope.dimension
    units: dict[Any, Moments] = {}
    if scope.compares_clinics:
        units = {clinic.id: Moments() for clinic in scope.clinics}
    for (clinic_id, provider_id, row_dimension), sums in reads.by_unit.items():
        if row_dimension == dimension:
            key = clinic_id if scope.compares_clinics else provider_id
            units[key] = units.get(key, Moments()) + sums.moments
    if scope.compares_clinics:
        named = [UnitMoments(scope.clinic_name(key), m) for key, m in units.items()]
        title = gettext("%(dimension)s: clinics compared (funnel plot)")
    else:
        ordered = sorted(units.items(), key=lambda kv: (kv[0] is None, scope.provider_name(kv[0])))
        named = [UnitMoments(scope.provider_name(key), m) for key, m in ordered]
        title = gettext("%(dimension)s: providers compared (funnel plot)")
    organisation = reads.totals.get(dimension, DimensionSums()).moments
    if is_suppressed(organisation.n, min_group_size=scope.min_group_size):
        organisation = Moments()  # its mean would be drawn as the target line
    title %= {"dimension": labels.get(dimension, dimension)}
    chart = funnel_chart_for_means(
        title=title,
        units=named,
        organisation=organisation,
        min_group_size=scope.min_group_size,
        low_reliability_n=None if scope.compares_clinics else scope.low_reliability_n,
    )
    return ChartView.of("funnel", title, chart)


def _items(
    scope: DashboardScope, reads: DashboardReads, definition: InstrumentDefinition
) -> ChartView:
    mean_scored = {d.id for d in definition.mean_scored_dimensions}
    items = [
        ItemTopBox(text_in(item.text, scope.ui_language), reads.items.get(item.id, Proportion()))
        for item in definition.items
        if item.dimension in mean_scored
    ]
    title = gettext("Top-box answers by question")
    chart = top_box_bars(title=title, items=items, min_group_size=scope.min_group_size)
    return ChartView.of("items", title, chart)


def _heatmap(
    scope: DashboardScope, reads: DashboardReads, scored: list, labels: dict[str, str]
) -> ChartView:
    """Dimensions by clinic; with one clinic in view that says nothing, so by provider."""
    if not scope.compares_clinics:
        return _provider_heatmap(scope, reads, scored, labels)
    cells: dict[tuple[str, str], Moments] = {}
    shown = {d.id for d in scored}
    for (clinic_id, _, dimension), sums in reads.by_unit.items():
        if dimension in shown:
            key = (labels[dimension], scope.clinic_name(clinic_id))
            cells[key] = cells.get(key, Moments()) + sums.moments
    title = gettext("Dimension scores by clinic")
    chart = dimension_clinic_heatmap(
        title=title,
        dimensions=[labels[d.id] for d in scored],
        clinics=[clinic.name for clinic in scope.clinics],
        cells=cells,
        min_group_size=scope.min_group_size,
    )
    return ChartView.of("heatmap", title, chart)


def _provider_heatmap(
    scope: DashboardScope, reads: DashboardReads, scored: list, labels: dict[str, str]
) -> ChartView:
    """The clinic's providers (and the responses with none recorded, so that no provider's
    cell can be worked out from the clinic's figure) by dimension."""
    by_provider: dict[tuple[int | None, str], Moments] = {}
    shown = {d.id for d in scored}
    for (_, provider_id, dimension), sums in reads.by_unit.items():
        if dimension in shown:
            key = (provider_id, labels[dimension])
            by_provider[key] = by_provider.get(key, Moments()) + sums.moments
    # Named providers by name, then the responses with none recorded; two providers of the
    # same name stay two rows.
    ids = sorted(
        {provider_id for provider_id, _ in by_provider},
        key=lambda pk: (pk is None, scope.provider_name(pk), pk or 0),
    )
    names = [scope.provider_name(pk) for pk in ids]
    rows = {
        pk: name if names.count(name) == 1 else f"{name} ({pk})"
        for pk, name in zip(ids, names, strict=True)
    }
    cells = {(rows[pk], dimension): m for (pk, dimension), m in by_provider.items()}
    providers = [rows[pk] for pk in ids]
    title = gettext("Dimension scores by provider")
    chart = provider_dimension_heatmap(
        title=title,
        dimensions=[labels[d.id] for d in scored],
        providers=providers,
        cells=cells,
        min_group_size=scope.min_group_size,
        low_reliability_n=scope.low_reliability_n,
    )
    return ChartView.of("heatmap", title, chart)

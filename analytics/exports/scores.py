"""The scores-by-period export: period x clinic x provider x dimension, from rollups only.

Each (period, clinic, dimension) gives a row for the whole clinic ("All providers") followed by
one row per provider; with a provider filter there is no clinic row, since its numbers would be
that one provider's under a label that says otherwise. Small groups are suppressed as on the
dashboard (METHODS.md): a row from fewer than MIN_GROUP_SIZE respondents shows no numbers, and
since the clinic row is the total of its provider rows, the next-smallest provider row is hidden
too when that is needed to keep a hidden value from being worked out by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from analytics.exports.csv_writer import neutralised
from analytics.exports.precision import NPS_SHOWN_DIGITS, SHOWN_DIGITS, shown_rounded
from analytics.rollups.queries import DIMENSION_SUMS
from analytics.rollups.selectors import RollupFilter, dimension_rollups
from analytics.stats import (
    Moments,
    Proportion,
    Recommendation,
    SuppressionReason,
    breakdown_suppression,
    is_low_reliability,
    is_suppressed,
    mean_summary,
    nps,
    positive_proportion,
    suppression_label,
    wilson_interval,
)
from feedback.dimension_kinds import DimensionKind
from feedback.instrument_definition import parse_definition
from feedback.models import Clinic, Instrument, Provider

GRANULARITIES = ("day", "week", "month")
SCORE_COLUMNS = [
    "period_start",
    "clinic",
    "provider",
    "dimension",
    "n",
    "mean",
    "mean_ci_lower",
    "mean_ci_upper",
    "top_box_pct",
    "top_box_ci_lower",
    "top_box_ci_upper",
    "nps",
    "positive_pct",
    "positive_ci_lower",
    "positive_ci_upper",
    "low_reliability",
    "note",
]
ALL_PROVIDERS = "All providers"
NO_PROVIDER = "No provider recorded"


def score_group_count(*, where: RollupFilter, granularity: str) -> int:
    """How many provider rows the export will hold (the clinic rows, if any, come on top)."""
    return _grouped(where, granularity).count()


def score_rows(
    *, where: RollupFilter, granularity: str, full_precision: bool = False
) -> Iterator[list[Any]]:
    """The export's rows (without header), suppressed; one (period, clinic, dimension) in memory.

    Figures are rounded as the dashboard shows them unless ``full_precision``."""
    min_n = settings.MIN_GROUP_SIZE
    clinics = dict(Clinic.objects.filter(pk__in=where.clinic_ids).values_list("pk", "slug"))
    providers = dict(
        Provider.objects.filter(clinic_id__in=where.clinic_ids).values_list("pk", "display_name")
    )
    kinds = _dimension_kinds()
    rows = _grouped(where, granularity).iterator(chunk_size=2000)
    for (period, clinic_id, dimension), cells in groupby(
        rows, key=lambda row: (row["period"], row["clinic_id"], row["dimension"])
    ):
        cells = list(cells)
        hidden = breakdown_suppression(
            {row["provider_id"]: row["n"] for row in cells}, min_group_size=min_n
        )
        total = {name: sum(row[name] for row in cells) for name in DIMENSION_SUMS}
        lead = [period.isoformat(), clinics.get(clinic_id, clinic_id)]
        kind = kinds.get(dimension)
        total_hidden = (
            SuppressionReason.SMALL_GROUP
            if is_suppressed(total["n"], min_group_size=min_n)
            else None
        )
        if where.provider_id is None:
            yield [
                *lead,
                ALL_PROVIDERS,
                dimension,
                *_figures(total, total_hidden, kind, False, full_precision),
            ]
        for row in cells:
            provider = providers.get(row["provider_id"], NO_PROVIDER)
            reason = total_hidden or hidden.get(row["provider_id"])
            # A provider with no id is not a person: reliability marks are for providers.
            person = row["provider_id"] is not None
            yield [*lead, provider, dimension, *_figures(row, reason, kind, person, full_precision)]


def _grouped(where: RollupFilter, granularity: str):
    if granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {GRANULARITIES}")
    period = {
        "day": F("local_date"),
        "week": TruncWeek("local_date"),
        "month": TruncMonth("local_date"),
    }[granularity]
    return (
        dimension_rollups(where, by_provider=True)
        .annotate(period=period)
        .values("period", "clinic_id", "dimension", "provider_id")
        .annotate(**{name: Sum(name) for name in DIMENSION_SUMS})
        .order_by("period", "clinic_id", "dimension", "provider_id")
    )


def _figures(
    sums: dict,
    reason: SuppressionReason | None,
    kind: DimensionKind | None,
    person: bool,
    full_precision: bool,
) -> list:
    if reason is not None:
        note = suppression_label(reason, min_group_size=settings.MIN_GROUP_SIZE)
        return [None] * 12 + [note]
    moments = Moments(sums["n"], sums["score_sum"], sums["score_sumsq"])
    mean = mean_summary(moments)
    top_box = wilson_interval(Proportion(sums["top_box_items"], sums["answered_items"]))
    recommendation = Recommendation(sums["promoters"], sums["detractors"], sums["n"])
    score = nps(recommendation) if kind == DimensionKind.NPS else None
    positive = wilson_interval(
        positive_proportion(moments) if kind == DimensionKind.PERCENT_POSITIVE else Proportion()
    )
    low = person and is_low_reliability(sums["n"], threshold=settings.LOW_RELIABILITY_N)

    def _rounded(value: float | None, scale: float = 1.0, digits: int = SHOWN_DIGITS):
        if value is None:
            return None
        return value * scale if full_precision else shown_rounded(value * scale, digits)

    return [
        sums["n"],
        _rounded(mean.mean),
        _rounded(mean.lower),
        _rounded(mean.upper),
        _rounded(top_box.value, 100),
        _rounded(top_box.lower, 100),
        _rounded(top_box.upper, 100),
        _rounded(score, digits=NPS_SHOWN_DIGITS),
        _rounded(positive.value, 100),
        _rounded(positive.lower, 100),
        _rounded(positive.upper, 100),
        "yes" if low else "",
        "",
    ]


def _dimension_kinds() -> dict[str, DimensionKind]:
    """Each dimension id's kind, over every loaded instrument (ids keep their kind)."""
    return {
        dimension.id: dimension.kind
        for raw in Instrument.objects.values_list("definition", flat=True)
        for dimension in parse_definition(raw).dimensions
    }


def scores_workbook_write(*, rows: Iterator[list[Any]], path: Path) -> int:
    """Write the rows as an Excel workbook in openpyxl's write-only mode (rows go to disk as they
    come); text cells are neutralised as in CSV, since openpyxl stores "=..." as a formula."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Scores by period")
    sheet.append(SCORE_COLUMNS)
    count = 0
    for row in rows:
        sheet.append([neutralised(cell) for cell in row])
        count += 1
    workbook.save(path)
    return count

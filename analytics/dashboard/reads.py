"""The dashboard's reads: a handful of aggregate queries over rollups.

Never raw responses: every figure is a sum of rollup rows, so the cost follows the number of
rollup rows in the period, not the number of responses behind them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import DateField, Q, Sum
from django.db.models.functions import Trunc

from analytics.dashboard.scope import DashboardScope
from analytics.read_replica import reads_alias
from analytics.rollups.grains import DIMENSION_GRAINS, RESPONSE_GRAINS, RESPONSE_SUMS
from analytics.rollups.selectors import (
    dimension_totals,
    item_totals,
    summed_rows,
)
from analytics.stats import Moments, Proportion, Recommendation, positive_proportion


@dataclass(frozen=True)
class DimensionSums:
    """One dimension's summed rollup statistics over some group."""

    moments: Moments = Moments()  # of 0-100 scores
    top_box: Proportion = Proportion()  # top-box items of answered items
    recommendation: Recommendation = Recommendation()  # only for NPS dimensions

    @classmethod
    def of_row(cls, row: dict) -> DimensionSums:
        return cls(
            Moments(row["n"], row["score_sum"], row["score_sumsq"]),
            Proportion(row["top_box_items"], row["answered_items"]),
            Recommendation(row["promoters"], row["detractors"], row["n"]),
        )

    @property
    def positive(self) -> Proportion:
        """Percent-positive dimensions only: positive answers of all responses."""
        return positive_proportion(self.moments)

    def __add__(self, other: DimensionSums) -> DimensionSums:
        return DimensionSums(
            self.moments + other.moments,
            self.top_box + other.top_box,
            self.recommendation + other.recommendation,
        )


@dataclass(frozen=True)
class InvitationCounts:
    answered: int
    sent: int


@dataclass(frozen=True)
class DashboardReads:
    # (clinic id, provider id or None, dimension) -> sums over the current period; per clinic
    # only (provider None) when the view compares clinics.
    by_unit: dict[tuple[int, int | None, str], DimensionSums]
    previous: dict[str, DimensionSums]  # dimension -> sums over the previous period
    trend: dict[tuple[dt.date, str], Moments]  # (first day of week or month, dimension)
    items: dict[str, Proportion]  # item id -> top-box answers of valid answers
    responses: int
    previous_responses: int
    invitations: InvitationCounts
    previous_invitations: InvitationCounts

    totals: dict[str, DimensionSums]  # current period per dimension, every unit in view


def dashboard_reads(scope: DashboardScope) -> DashboardReads:
    """Five queries whatever the period and the number of clinics."""
    # On the replica when the caller asked for it (analytics.read_replica): so is the transaction.
    alias = reads_alias()
    with transaction.atomic(using=alias, savepoint=False):  # SET LOCAL lasts until its end
        if connections[alias].vendor == "postgresql":
            # Compiling these aggregates cost ~65 ms each at 1M responses and saved nothing.
            with connections[alias].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        by_unit, previous_sums, trend = _dimension_sums(scope)
        items = {
            row["item"]: Proportion(row["top_box"], row["answers"])
            for row in item_totals(where=scope.rollup_filter())
        }
        current, previous = _response_counts(scope)
    totals: dict[str, DimensionSums] = {}
    for (_, _, dimension), sums in by_unit.items():
        totals[dimension] = totals.get(dimension, DimensionSums()) + sums
    return DashboardReads(
        by_unit=by_unit,
        totals=totals,
        previous=previous_sums,
        trend=trend,
        items=items,
        responses=current.responses,
        previous_responses=previous.responses,
        invitations=current.invitations,
        previous_invitations=previous.invitations,
    )


def _dimension_sums(scope: DashboardScope):
    """Per unit and per trend period in the current period; per dimension in the previous one.

    Three small groupings. (One grouping by unit, period and dimension, folded in Python, reads
    the rows once but returns thousands where these return hundreds, and converting and adding
    them up measured slower; so did one pass over both periods grouping on CASE expressions.)
    """
    current = scope.rollup_filter()
    # Comparing clinics needs no provider split, which lets the clinic-day rollups answer.
    units = ("clinic_id",) if scope.compares_clinics else ("clinic_id", "provider_id")
    by_unit = {
        (row["clinic_id"], row.get("provider_id"), row["dimension"]): DimensionSums.of_row(row)
        for row in dimension_totals(where=current, group_by=units)
    }
    previous = {
        row["dimension"]: DimensionSums.of_row(row)
        for row in dimension_totals(where=scope.rollup_filter(previous=True))
    }
    # Month rows are their months' sums: they serve monthly trends, not weekly ones.
    parts = DIMENSION_GRAINS.parts(current, months=scope.granularity == "month")
    rows = summed_rows(
        [
            part.annotate(period=Trunc("local_date", scope.granularity, output_field=DateField()))
            for part in parts
        ],
        keys=("period", "dimension"),
        sums={name: Sum(name) for name in ("n", "score_sum", "score_sumsq")},
    )
    trend = {
        (row["period"], row["dimension"]): Moments(row["n"], row["score_sum"], row["score_sumsq"])
        for row in rows
    }
    return by_unit, previous, trend


@dataclass(frozen=True)
class PeriodCounts:
    responses: int
    invitations: InvitationCounts


def _response_counts(scope: DashboardScope) -> tuple[PeriodCounts, PeriodCounts]:
    """Responses and invitations in the current and the previous period, in one pass over both.

    An invitation counts in the period it was sent in, whenever it was answered.
    """
    sums = {}
    for period, when in (
        ("current", Q(local_date__gte=scope.since)),
        ("previous", Q(local_date__lt=scope.since)),
    ):
        for name in RESPONSE_SUMS:
            sums[f"{period}_{name}"] = Sum(name, filter=when)
    # A month row lies wholly in one period (parts takes each period's whole months), so its
    # first day tells which.
    parts = RESPONSE_GRAINS.parts(scope.rollup_filter(), scope.rollup_filter(previous=True))
    (totals,) = summed_rows(parts, keys=(), sums=sums)
    return tuple(
        PeriodCounts(
            totals[f"{period}_responses"],
            InvitationCounts(
                totals[f"{period}_invitations_answered"], totals[f"{period}_invitations_sent"]
            ),
        )
        for period in ("current", "previous")
    )

"""The dashboard's reads: a handful of aggregate queries over rollups (and invitations).

Never raw responses: every figure is a sum of rollup rows, so the cost follows the number of
rollup rows in the period, not the number of responses behind them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Trunc

from analytics.dashboard.cache import cached_apart_from_rollups
from analytics.dashboard.scope import DashboardScope
from analytics.selectors import (
    dimension_rollups,
    dimension_totals,
    item_totals,
    response_rollups,
)
from analytics.stats import Moments, Proportion, Recommendation
from feedback.models import Invitation


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
    # (clinic id, provider id or None, dimension) -> sums over the current period
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
    """Six queries whatever the period and the number of clinics (five while the invitation
    counts, which change without a rollup rebuild, are cached on their own)."""
    with transaction.atomic(savepoint=False):  # SET LOCAL lasts until the end of it
        if connection.vendor == "postgresql":
            # Compiling these aggregates cost ~65 ms each at 1M responses and saved nothing.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        by_unit, previous_sums, trend = _dimension_sums(scope)
        items = {
            row["item"]: Proportion(row["top_box"], row["answers"])
            for row in item_totals(where=scope.rollup_filter())
        }
        responses, previous_responses = _response_counts(scope)
    invitations, previous_invitations = cached_apart_from_rollups(
        "invitations", scope, lambda: _invitation_counts(scope)
    )
    totals: dict[str, DimensionSums] = {}
    for (_, _, dimension), sums in by_unit.items():
        totals[dimension] = totals.get(dimension, DimensionSums()) + sums
    return DashboardReads(
        by_unit=by_unit,
        totals=totals,
        previous=previous_sums,
        trend=trend,
        items=items,
        responses=responses,
        previous_responses=previous_responses,
        invitations=invitations,
        previous_invitations=previous_invitations,
    )


def _dimension_sums(scope: DashboardScope):
    """Per unit and per trend period in the current period; per dimension in the previous one.

    (One pass over both periods, grouping on CASE expressions, measured slower at 1M.)
    """
    current = scope.rollup_filter()
    by_unit = {
        (row["clinic_id"], row["provider_id"], row["dimension"]): DimensionSums.of_row(row)
        for row in dimension_totals(where=current, group_by=("clinic_id", "provider_id"))
    }
    previous = {
        row["dimension"]: DimensionSums.of_row(row)
        for row in dimension_totals(where=scope.rollup_filter(previous=True))
    }
    rows = (
        dimension_rollups(current)
        .annotate(period=Trunc("local_date", scope.granularity, output_field=DateField()))
        .values("period", "dimension")
        .annotate(**{name: Sum(name) for name in ("n", "score_sum", "score_sumsq")})
        .order_by("period", "dimension")
    )
    trend = {
        (row["period"], row["dimension"]): Moments(row["n"], row["score_sum"], row["score_sumsq"])
        for row in rows
    }
    return by_unit, previous, trend


def _response_counts(scope: DashboardScope) -> tuple[int, int]:
    """Responses in the current and the previous period, in one pass over both."""
    both = replace(scope.rollup_filter(), since=scope.previous[0])
    totals = response_rollups(both).aggregate(
        current=Sum("responses", filter=Q(local_date__gte=scope.since)),
        previous=Sum("responses", filter=Q(local_date__lt=scope.since)),
    )
    return totals["current"] or 0, totals["previous"] or 0


def _sent_between(scope: DashboardScope, since: dt.date, until: dt.date) -> Q:
    """Invitations sent on these local days, each clinic's days in its own time zone."""
    q = Q(pk__in=[])
    for clinic in scope.clinics:
        zone = zoneinfo.ZoneInfo(clinic.timezone)
        start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        q |= Q(visit__clinic_id=clinic.id, sent_at__gte=start, sent_at__lt=end)
    return q


def _invitation_counts(scope: DashboardScope) -> tuple[InvitationCounts, InvitationCounts]:
    """Invitations answered / sent in both periods with the same filters, in one query.

    feedback.selectors.response_rate answers for one clinic and one period; the dashboard needs
    every clinic in view and two periods, which would be a query per clinic and period.
    An invitation counts for the period it was sent in, whenever it was answered.
    """
    invitations = Invitation.objects.filter(
        visit__clinic_id__in=[clinic.id for clinic in scope.clinics],
        # Bounds a day wider than any clinic's local days, so the sent_at index narrows the scan.
        sent_at__gte=dt.datetime.combine(
            scope.previous[0] - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC
        ),
        sent_at__lt=dt.datetime.combine(
            scope.until + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC
        ),
    )
    if scope.provider_id == 0:
        invitations = invitations.filter(visit__provider__isnull=True)
    elif scope.provider_id is not None:
        invitations = invitations.filter(visit__provider_id=scope.provider_id)
    if scope.visit_type is not None:
        invitations = invitations.filter(visit__visit_type=scope.visit_type)
    if scope.channel is not None:
        invitations = invitations.filter(channel=scope.channel)
    if scope.language is not None:
        invitations = invitations.filter(language=scope.language)
    current = _sent_between(scope, scope.since, scope.until)
    previous = _sent_between(scope, *scope.previous)
    answered = Q(used_at__isnull=False)
    counts = invitations.aggregate(
        sent=Count("pk", filter=current),
        answered=Count("pk", filter=current & answered),
        previous_sent=Count("pk", filter=previous),
        previous_answered=Count("pk", filter=previous & answered),
    )
    return (
        InvitationCounts(counts["answered"], counts["sent"]),
        InvitationCounts(counts["previous_answered"], counts["previous_sent"]),
    )

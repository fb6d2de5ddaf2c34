"""Reads of rollups: sums of sufficient statistics over any filter, in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from analytics.day_rollups import DIMENSION_SUMS
from analytics.models import (
    DimensionClinicDayRollup,
    DimensionDayRollup,
    DimensionRollup,
    ItemClinicDayRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseClinicDayRollup,
    ResponseDayRollup,
    ResponseRollup,
)

# The filters only the fine rollups are keyed by; without them the day rollups answer.
FINE_ONLY_FIELDS = ("visit_type", "channel", "language")


@dataclass(frozen=True)
class RollupFilter:
    """The dashboard's filters; None means "all". ``provider_id=0`` selects "no provider"."""

    clinic_ids: Sequence[int]
    since: dt.date
    until: dt.date
    provider_id: int | None = None
    visit_type: str | None = None
    channel: str | None = None
    language: str | None = None

    def q(self) -> Q:
        q = Q(clinic_id__in=list(self.clinic_ids), local_date__range=(self.since, self.until))
        if self.provider_id == 0:
            q &= Q(provider__isnull=True)
        elif self.provider_id is not None:
            q &= Q(provider_id=self.provider_id)
        for field in FINE_ONLY_FIELDS:
            if (value := getattr(self, field)) is not None:
                q &= Q(**{field: value})
        return q

    @property
    def needs_fine_rollups(self) -> bool:
        return any(getattr(self, field) is not None for field in FINE_ONLY_FIELDS)


@dataclass(frozen=True)
class RollupLevels:
    """One rollup at its three grains; any of them gives the same sums for what it can filter."""

    fine: type  # every filter
    day: type  # no visit type, channel or language
    clinic_day: type  # nor any provider, chosen or grouped by

    def rows(self, where: RollupFilter, *, by_provider: bool) -> QuerySet:
        """The coarsest rows that can answer ``where`` (grouped per provider if asked)."""
        if where.needs_fine_rollups:
            model = self.fine
        elif by_provider or where.provider_id is not None:
            model = self.day
        else:
            model = self.clinic_day
        return model.objects.filter(where.q())


DIMENSION_LEVELS = RollupLevels(DimensionRollup, DimensionDayRollup, DimensionClinicDayRollup)
ITEM_LEVELS = RollupLevels(ItemRollup, ItemDayRollup, ItemClinicDayRollup)
RESPONSE_LEVELS = RollupLevels(ResponseRollup, ResponseDayRollup, ResponseClinicDayRollup)


def dimension_rollups(where: RollupFilter, *, by_provider: bool = False) -> QuerySet:
    """The dimension rollup rows ``where`` selects, from the coarsest rollup that has them.

    Each coarser rollup holds the sums of the finer one's rows, in several times fewer rows.
    """
    return DIMENSION_LEVELS.rows(where, by_provider=by_provider)


def item_rollups(where: RollupFilter) -> QuerySet:
    return ITEM_LEVELS.rows(where, by_provider=False)


def response_rollups(where: RollupFilter) -> QuerySet:
    return RESPONSE_LEVELS.rows(where, by_provider=False)


def dimension_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> QuerySet:
    """Summed statistics per dimension (and per ``group_by`` fields, e.g. "clinic_id")."""
    keys = [*group_by, "dimension"]
    return (
        dimension_rollups(where, by_provider="provider_id" in keys)
        .values(*keys)
        .annotate(**{name: Sum(name) for name in DIMENSION_SUMS})
        .order_by(*keys)
    )


def item_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> QuerySet:
    """Valid and top-box answers per item (and per ``group_by`` fields)."""
    keys = [*group_by, "item"]
    return (
        item_rollups(where)
        .values(*keys)
        .annotate(answers=Sum("answers"), top_box=Sum("top_box"))
        .order_by(*keys)
    )


def response_total(*, where: RollupFilter) -> int:
    return response_rollups(where).aggregate(total=Sum("responses"))["total"] or 0

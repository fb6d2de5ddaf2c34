"""Reads of rollups: sums of sufficient statistics over any filter, in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from analytics.models import (
    DimensionDayRollup,
    DimensionRollup,
    ItemDayRollup,
    ItemRollup,
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


def dimension_rollups(where: RollupFilter) -> QuerySet:
    """The dimension rollup rows ``where`` selects: the day rollups unless it needs the fine ones.

    The two give the same sums (the day rows are sums of the fine ones); the day rollups have
    several times fewer rows to add up.
    """
    model = DimensionRollup if where.needs_fine_rollups else DimensionDayRollup
    return model.objects.filter(where.q())


def item_rollups(where: RollupFilter) -> QuerySet:
    model = ItemRollup if where.needs_fine_rollups else ItemDayRollup
    return model.objects.filter(where.q())


def response_rollups(where: RollupFilter) -> QuerySet:
    model = ResponseRollup if where.needs_fine_rollups else ResponseDayRollup
    return model.objects.filter(where.q())


DIMENSION_SUMS = ("n", "score_sum", "score_sumsq", "answered_items", "top_box_items",
                  "promoters", "detractors")


def dimension_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> QuerySet:
    """Summed statistics per dimension (and per ``group_by`` fields, e.g. "clinic_id")."""
    keys = [*group_by, "dimension"]
    return (
        dimension_rollups(where)
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

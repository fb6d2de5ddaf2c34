"""Reads of rollups: sums of sufficient statistics over any filter, in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum

from analytics.models import DimensionRollup, ItemRollup, ResponseRollup


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
        for field in ("visit_type", "channel", "language"):
            if (value := getattr(self, field)) is not None:
                q &= Q(**{field: value})
        return q


DIMENSION_SUMS = ("n", "score_sum", "score_sumsq", "answered_items", "top_box_items",
                  "promoters", "detractors")


def dimension_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> QuerySet:
    """Summed statistics per dimension (and per ``group_by`` fields, e.g. "clinic_id")."""
    keys = [*group_by, "dimension"]
    return (
        DimensionRollup.objects.filter(where.q())
        .values(*keys)
        .annotate(**{name: Sum(name) for name in DIMENSION_SUMS})
        .order_by(*keys)
    )


def item_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> QuerySet:
    """Valid and top-box answers per item (and per ``group_by`` fields)."""
    keys = [*group_by, "item"]
    return (
        ItemRollup.objects.filter(where.q())
        .values(*keys)
        .annotate(answers=Sum("answers"), top_box=Sum("top_box"))
        .order_by(*keys)
    )


def response_total(*, where: RollupFilter) -> int:
    return ResponseRollup.objects.filter(where.q()).aggregate(total=Sum("responses"))["total"] or 0

"""Reads of rollups: sums of sufficient statistics over any filter, in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Aggregate, Q, QuerySet, Sum, Value

from analytics.rollups.grains import DIMENSION_GRAINS, ITEM_GRAINS, RESPONSE_GRAINS
from analytics.rollups.sources import month_end, month_start

# The filters only the fine grain is keyed by; without them the day grain answers.
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

    def q(self, *, dates: Q | None = None) -> Q:
        """These filters' rows; ``dates`` narrows since..until (e.g. to some months' rows)."""
        if dates is None:
            dates = Q(local_date__range=(self.since, self.until))
        q = Q(clinic_id__in=list(self.clinic_ids)) & dates
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

    def whole_months(self) -> tuple[dt.date, dt.date] | None:
        """The first and the last day of the calendar months since..until covers whole."""
        first = self.since if self.since.day == 1 else month_end(self.since) + dt.timedelta(1)
        last = (
            self.until
            if self.until == month_end(self.until)
            else (month_start(self.until) - dt.timedelta(1))
        )
        return (first, last) if first <= last else None


def summed_rows(
    parts: Sequence[QuerySet], *, keys: Sequence[str], sums: Mapping[str, Aggregate]
) -> list[dict]:
    """``sums`` per ``keys`` over the rows of all ``parts``, in one query (a UNION ALL of each
    part's grouping); a key found in several parts has their sums added here. In key order.

    With no keys, one row of sums (zero when there are no rows).
    """
    if keys:
        grouped = [part.values(*keys).annotate(**sums).order_by() for part in parts]
    else:  # one group: a constant is left out of GROUP BY, so each part sums all its rows
        grouped = [
            part.annotate(everything=Value(1)).values("everything").annotate(**sums).order_by()
            for part in parts
        ]
    rows = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
    merged: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        if key not in merged:
            merged[key] = {**row, **{name: row[name] or 0 for name in sums}}
        else:
            for name in sums:
                merged[key][name] += row[name] or 0
    if not keys:
        return [merged.get((), {name: 0 for name in sums})]
    # None (no provider) first, as the rollups' keys order it.
    return [merged[key] for key in sorted(merged, key=lambda k: [(v is not None, v) for v in k])]


def dimension_rollups(where: RollupFilter, *, by_provider: bool = False) -> QuerySet:
    """The dimension rollup rows ``where`` selects, from the coarsest daily rollup that has them.

    Each coarser rollup holds the sums of the finer one's rows, in several times fewer rows.
    """
    return DIMENSION_GRAINS.rows(where, by_provider=by_provider)


def dimension_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> list[dict]:
    """Summed statistics per dimension (and per ``group_by`` fields, e.g. "clinic_id")."""
    keys = [*group_by, "dimension"]
    return summed_rows(
        DIMENSION_GRAINS.parts(where, by_provider="provider_id" in keys),
        keys=keys,
        sums={name: Sum(name) for name in DIMENSION_GRAINS.sums},
    )


def item_totals(*, where: RollupFilter, group_by: Iterable[str] = ()) -> list[dict]:
    """Valid and top-box answers per item (and per ``group_by`` fields)."""
    return summed_rows(
        ITEM_GRAINS.parts(where),
        keys=[*group_by, "item"],
        sums={"answers": Sum("answers"), "top_box": Sum("top_box")},
    )


def response_total(*, where: RollupFilter) -> int:
    return summed_rows(RESPONSE_GRAINS.parts(where), keys=(), sums={"total": Sum("responses")})[0][
        "total"
    ]

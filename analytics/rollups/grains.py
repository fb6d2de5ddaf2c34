"""Rollup grains: each rollup is kept at four grains, fine (per clinic-day, provider, visit type,
channel and language), day (over visit type, channel and language), clinic-day (over providers
too) and clinic-month. "Grain" is the one word for them here and in every caller.

Each coarser grain is the sum of a finer one's rows, summed in SQL (CoarseGrain): summing the
rows just written (not the raw responses again) keeps every coarse row the exact sum of its fine
rows. A read uses the coarsest grain its filters allow (RollupGrains.grain_for).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import DateField, Q, QuerySet, Sum
from django.db.models.functions import Trunc

from analytics.models import (
    DAY_BUCKET_FIELDS,
    DimensionClinicDayRollup,
    DimensionClinicMonthRollup,
    DimensionDayRollup,
    DimensionRollup,
    ItemClinicDayRollup,
    ItemClinicMonthRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseClinicDayRollup,
    ResponseClinicMonthRollup,
    ResponseDayRollup,
    ResponseRollup,
)
from analytics.rollups.queries import DIMENSION_SUMS, bucket_order, insert_from_select
from analytics.rollups.sources import RollupRows

if TYPE_CHECKING:
    from analytics.rollups.selectors import RollupFilter


@dataclass(frozen=True)
class CoarseGrain:
    """How a coarser grain's rows are written: a finer grain's rows summed over the key fields
    it drops."""

    fine: type
    coarse: type
    bucket: tuple[str, ...]  # the coarse grain's bucket fields
    key: tuple[str, ...]  # beyond the bucket
    sums: tuple[str, ...]
    # False: a bulk rebuild loads the range's rows with the fine ones (from the same per-bucket
    # counts, see queries.item_rollups_load) and sums only the rows outside the range.
    summed_in_bulk: bool = True
    # Summed per calendar month: the coarse rows' local_date is the month's first day.
    monthly: bool = False

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The coarse grain's whole key as column names (clinic_id, local_date, ...)."""
        return (
            *(f"{field}_id" if field in ("clinic", "provider") else field for field in self.bucket),
            *self.key,
        )


RESPONSE_SUMS = ("responses", "invitations_sent", "invitations_answered")
ITEM_SUMS = ("answers", "top_box")
CLINIC_DAY = ("clinic", "local_date")  # a month row keeps its month's first day in local_date


@dataclass(frozen=True)
class RollupGrains:
    """One rollup (response counts, dimension statistics or item counts) at each grain, finest
    first: the one place that says which table is the sum of which, and which grain a read uses.

    Any grain gives the same sums for what it can filter: the fine one every filter, the day one
    no visit type, channel or language, the clinic-day and clinic-month ones no provider either,
    chosen or grouped by.
    """

    fine: type  # per clinic-day, provider, visit type, channel and language
    day: type  # per clinic-day and provider
    clinic_day: type
    clinic_month: type
    key: tuple[str, ...]  # beyond the bucket
    sums: tuple[str, ...]
    # The bulk rebuild loads the day rows of its range with the fine ones (from the same
    # per-bucket counts, see queries.item_rollups_load) instead of summing them.
    day_loaded_with_fine: bool = False

    def grain_for(self, where: RollupFilter, *, by_provider: bool) -> type:
        """The coarsest daily grain that can answer ``where`` (grouped per provider if asked)."""
        if where.needs_fine_rollups:
            return self.fine
        if by_provider or where.provider_id is not None:
            return self.day
        return self.clinic_day

    def rows(self, where: RollupFilter, *, by_provider: bool) -> QuerySet:
        return self.grain_for(where, by_provider=by_provider).objects.filter(where.q())

    def parts(
        self, *wheres: RollupFilter, by_provider: bool = False, months: bool = True
    ) -> list[QuerySet]:
        """The rows of all ``wheres`` (which differ only in dates), in the fewest rows.

        Where the clinic-day grain would answer, the calendar months a period covers whole
        come from the clinic-month grain and only the days around them from the clinic-day one
        (``months`` False: days only, e.g. for weekly sums). Up to two querysets.
        """
        model = self.grain_for(wheres[0], by_provider=by_provider)
        if model is not self.clinic_day or not months:
            return [model.objects.filter(reduce(operator.or_, (w.q() for w in wheres)))]
        month_rows, day_rows = [], []
        for where in wheres:
            whole = where.whole_months()
            if whole is None:
                day_rows.append(where.q())
                continue
            first, last = whole
            month_rows.append(where.q(dates=Q(local_date__range=(first, last))))
            if where.since < first:
                day_rows.append(
                    where.q(dates=Q(local_date__range=(where.since, first - dt.timedelta(1))))
                )
            if last < where.until:
                day_rows.append(
                    where.q(dates=Q(local_date__range=(last + dt.timedelta(1), where.until)))
                )
        return [
            model.objects.filter(reduce(operator.or_, rows))
            for model, rows in ((self.clinic_month, month_rows), (self.clinic_day, day_rows))
            if rows
        ]


RESPONSE_GRAINS = RollupGrains(
    ResponseRollup,
    ResponseDayRollup,
    ResponseClinicDayRollup,
    ResponseClinicMonthRollup,
    (),
    RESPONSE_SUMS,
)
DIMENSION_GRAINS = RollupGrains(
    DimensionRollup,
    DimensionDayRollup,
    DimensionClinicDayRollup,
    DimensionClinicMonthRollup,
    ("dimension",),
    DIMENSION_SUMS,
)
ITEM_GRAINS = RollupGrains(
    ItemRollup,
    ItemDayRollup,
    ItemClinicDayRollup,
    ItemClinicMonthRollup,
    ("item",),
    ITEM_SUMS,
    day_loaded_with_fine=True,
)
ROLLUP_GRAINS = (RESPONSE_GRAINS, DIMENSION_GRAINS, ITEM_GRAINS)

# In the order they are derived: each coarse grain from one already written.
COARSE_GRAINS = (
    *(
        CoarseGrain(
            g.fine,
            g.day,
            DAY_BUCKET_FIELDS,
            g.key,
            g.sums,
            summed_in_bulk=not g.day_loaded_with_fine,
        )
        for g in ROLLUP_GRAINS
    ),
    *(CoarseGrain(g.day, g.clinic_day, CLINIC_DAY, g.key, g.sums) for g in ROLLUP_GRAINS),
    *(
        CoarseGrain(g.clinic_day, g.clinic_month, CLINIC_DAY, g.key, g.sums, monthly=True)
        for g in ROLLUP_GRAINS
    ),
)


def coarse_grains_insert(
    *, rows: RollupRows, tables: dict | None = None, grains: Iterable[CoarseGrain] = COARSE_GRAINS
) -> None:
    """INSERT ... SELECT the coarse rows of the finer rows of ``rows``, grouped in SQL.

    Summing the finer rows just written (not the raw responses again) keeps every coarse row the
    exact sum of its fine rows, and costs a GROUP BY over a few rows per bucket. With ``tables``
    (the bulk rebuild) it reads the finer staging tables and writes the coarser ones.
    """
    tables = tables or {}
    quote = connection.ops.quote_name
    for grain in grains:
        keys = (*grain.bucket, *grain.key)
        fine = grain.fine.objects.filter(rows.days)
        if grain.monthly:
            # Grouped by month under the day's own name, the SELECT keeps the columns' order.
            fine = grain.fine.objects.filter(rows.days_of_months).annotate(
                month=Trunc("local_date", "month", output_field=DateField())
            )
            keys = tuple("month" if key == "local_date" else key for key in keys)
        select = (
            fine.values(*keys)
            .annotate(**{f"total_{name}": Sum(name) for name in grain.sums})
            .values_list(*keys, *(f"total_{name}" for name in grain.sums))
            # Written in the order of the (clinic, local_date, ...) index, a clinic's days share
            # pages: a dashboard period then reads a few pages instead of one per row, and a
            # bulk rebuild's index build finds them presorted.
            .order_by(*bucket_order(fields=keys[: len(grain.bucket)]), *grain.key)
        )
        sql, params = select.query.sql_with_params()
        if grain.fine in tables:
            # The ORM names the table only as a quoted identifier; the staging copy has its
            # columns, so reading it instead is a change of name.
            assert quote(grain.fine._meta.db_table) in sql
            sql = sql.replace(quote(grain.fine._meta.db_table), quote(tables[grain.fine]))
        insert_from_select(
            grain.coarse,
            [*grain.bucket, *grain.key, *grain.sums],
            sql,
            params,
            table=tables.get(grain.coarse),
        )

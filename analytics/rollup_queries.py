"""The SQL that computes rollup rows from the stored responses and scores.

Every SELECT is built by the ORM, which keeps it portable between PostgreSQL and SQLite (the
demo), JSON key lookups included; analytics.services decides which buckets to recompute and
when, and analytics.rollup_tables loads the same SELECTs into fresh tables for a bulk rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, JSONField, Q, QuerySet, Sum, Value
from django.db.models.fields.json import KeyTransform

from analytics.models import (
    BUCKET_FIELDS,
    DimensionDayRollup,
    DimensionRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseDayRollup,
    ResponseRollup,
)
from feedback.models import DimensionScore, Instrument, Response
from feedback.scoring import nps_class
from feedback.services import instrument_definition

Bucket = tuple[int, dt.date]  # (clinic id, local date)

ROLLUP_MODELS = (ResponseRollup, DimensionRollup, ItemRollup)


@dataclass(frozen=True)
class DayRollup:
    """A coarse rollup: its fine rollup summed over visit type, channel and language."""

    fine: type
    coarse: type
    key: tuple[str, ...]  # beyond (clinic, local_date, provider)
    sums: tuple[str, ...]


DAY_ROLLUPS = (
    DayRollup(ResponseRollup, ResponseDayRollup, (), ("responses",)),
    DayRollup(DimensionRollup, DimensionDayRollup, ("dimension",),
              ("n", "score_sum", "score_sumsq", "answered_items", "top_box_items", "promoters",
               "detractors")),
    DayRollup(ItemRollup, ItemDayRollup, ("item",), ("answers", "top_box")),
)

@dataclass(frozen=True)
class ScoringFacts:
    """What the SQL needs from the instrument definitions: NPS dimensions, items' top box."""

    nps_dimensions: tuple[str, ...]
    # item id -> {raw value that is top box: instrument ids}; usually one value for all versions.
    item_top_values: dict[str, dict[int, tuple[int, ...]]]


def scoring_facts() -> ScoringFacts:
    nps: set[str] = set()
    tops: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for instrument in Instrument.objects.order_by("pk"):
        definition = instrument_definition(instrument)
        nps.update(d.id for d in definition.dimensions if d.kind == "nps")
        for item in definition.items:
            top = item.scale.min if item.reverse else item.scale.max
            tops[item.id][top].append(instrument.pk)
    return ScoringFacts(
        nps_dimensions=tuple(sorted(nps)),
        item_top_values={
            item: {value: tuple(ids) for value, ids in by_value.items()}
            for item, by_value in sorted(tops.items())
        },
    )


def buckets_q(buckets: Iterable[Bucket], prefix: str = "") -> Q:
    dates_by_clinic: dict[int, set[dt.date]] = defaultdict(set)
    for clinic_id, local_date in buckets:
        dates_by_clinic[clinic_id].add(local_date)
    q = Q(pk__in=[])
    for clinic_id, dates in sorted(dates_by_clinic.items()):
        q |= Q(**{f"{prefix}clinic_id": clinic_id, f"{prefix}local_date__in": sorted(dates)})
    return q


def range_q(since: dt.date, until: dt.date, clinic_ids: list[int], prefix: str = "") -> Q:
    # Naming every clinic lets the (clinic, local_date) indexes serve a date range of all clinics.
    return Q(**{f"{prefix}clinic_id__in": clinic_ids, f"{prefix}local_date__range": (since, until)})


def _insert_from_select(
    model, columns: Iterable[str], sql: str, params: Iterable, *, table: str | None = None
) -> int:
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table or model._meta.db_table)} ({names}) {sql}", params
        )
        return cursor.rowcount


def _response_rollup_select(where: Q) -> QuerySet:
    return (
        Response.objects.filter(where)
        .values(*BUCKET_FIELDS)
        .annotate(responses=Count("pk"))
        .values_list(*BUCKET_FIELDS, "responses")
    )


def _dimension_rollup_select(where: Q, facts: ScoringFacts) -> QuerySet:
    nps = Q(dimension__in=facts.nps_dimensions)
    promoter_min = min(v for v in range(11) if nps_class(v) == "promoter")
    detractor_max = max(v for v in range(11) if nps_class(v) == "detractor")
    keys = [f"response__{field}" for field in BUCKET_FIELDS]
    return (
        DimensionScore.objects.filter(where)
        .values(*keys, "dimension")
        .annotate(
            n=Count("pk"),
            score_sum=Sum("score"),
            score_sumsq=Sum(F("score") * F("score")),
            answered=Sum("answered_items"),
            top_box=Sum("top_box_items"),
            promoters=Count("pk", filter=nps & Q(mean__gte=promoter_min)),
            detractors=Count("pk", filter=nps & Q(mean__lte=detractor_max)),
        )
        .values_list(
            *keys, "dimension", "n", "score_sum", "score_sumsq", "answered", "top_box",
            "promoters", "detractors",
        )
    )


def _top_box_q(item_id: str, top_values: dict[int, tuple[int, ...]]) -> Q:
    # The lookup object rather than a keyword, which would split an item id holding "__".
    key = KeyTransform(item_id, "answers")

    def is_value(value: int) -> Q:
        return Q(key.get_lookup("exact")(key, Value(value, output_field=JSONField())))

    if len(top_values) == 1:
        return is_value(next(iter(top_values)))
    q = Q(pk__in=[])
    for value, instrument_ids in top_values.items():
        q |= is_value(value) & Q(instrument_id__in=instrument_ids)
    return q


def _item_rollup_sql(where: Q, facts: ScoringFacts) -> tuple[str, list]:
    """Count each item's valid and top-box answers per bucket in one pass over the responses.

    The responses are grouped once into a wide row per bucket (two counts per item), which a
    cross join with the item list turns into one row per (bucket, item); grouping the responses
    once is cheaper than unnesting every answer and grouping those.
    """
    items = list(facts.item_top_values)
    counts = {}
    for position, item_id in enumerate(items):
        counts[f"answers_{position}"] = Count("pk", filter=Q(answers__has_key=item_id))
        counts[f"top_box_{position}"] = Count(
            "pk", filter=_top_box_q(item_id, facts.item_top_values[item_id])
        )
    wide = (
        Response.objects.filter(where)
        .values(*BUCKET_FIELDS)
        .annotate(**counts)
        .values_list(*BUCKET_FIELDS, *counts)
    )
    wide_sql, wide_params = wide.query.sql_with_params()
    # The ORM names each selected column after its values_list() alias.
    keys = ", ".join(f"wide.{connection.ops.quote_name(field)}" for field in BUCKET_FIELDS)

    def pick(prefix: str) -> str:
        whens = " ".join(f"WHEN {p} THEN wide.{prefix}_{p}" for p in range(len(items)))
        return f"CASE item_list.position {whens} END"

    item_list = " UNION ALL ".join(
        "SELECT %s AS position, %s AS item" if p == 0 else "SELECT %s, %s"
        for p in range(len(items))
    )
    item_params = [value for p, item_id in enumerate(items) for value in (p, item_id)]
    sql = (
        f"SELECT * FROM (SELECT {keys}, item_list.item, {pick('answers')} AS answers, "
        f"{pick('top_box')} AS top_box FROM ({wide_sql}) wide CROSS JOIN ({item_list}) item_list"
        ") per_item WHERE per_item.answers > 0"
    )
    return sql, [*wide_params, *item_params]


DIMENSION_COLUMNS = (
    *BUCKET_FIELDS, "dimension", "n", "score_sum", "score_sumsq", "answered_items",
    "top_box_items", "promoters", "detractors",
)


def rollups_insert(
    *, response_where: Q, score_where: Q, facts: ScoringFacts, tables: dict | None = None
) -> None:
    """INSERT ... SELECT each rollup's rows for these responses (into ``tables`` if given)."""
    tables = tables or {}
    sql, params = _response_rollup_select(response_where).query.sql_with_params()
    _insert_from_select(ResponseRollup, [*BUCKET_FIELDS, "responses"], sql, params,
                        table=tables.get(ResponseRollup))
    sql, params = _dimension_rollup_select(score_where, facts).query.sql_with_params()
    _insert_from_select(DimensionRollup, DIMENSION_COLUMNS, sql, params,
                        table=tables.get(DimensionRollup))
    if facts.item_top_values:
        sql, params = _item_rollup_sql(response_where, facts)
        _insert_from_select(ItemRollup, [*BUCKET_FIELDS, "item", "answers", "top_box"], sql,
                            params, table=tables.get(ItemRollup))


def day_rollups_insert(*, where: Q, tables: dict | None = None) -> None:
    """INSERT ... SELECT the coarse rows of the fine rows ``where`` selects, grouped in SQL.

    Summing the fine rows just written (not the raw responses again) keeps every coarse row the
    exact sum of its fine rows, and costs a GROUP BY over a few rows per bucket. With ``tables``
    (the bulk rebuild) it reads the fine staging tables and writes the coarse ones.
    """
    tables = tables or {}
    quote = connection.ops.quote_name
    for rollup in DAY_ROLLUPS:
        keys = ("clinic", "local_date", "provider", *rollup.key)
        select = (
            rollup.fine.objects.filter(where)
            .values(*keys)
            .annotate(**{f"total_{name}": Sum(name) for name in rollup.sums})
            .values_list(*keys, *(f"total_{name}" for name in rollup.sums))
            # Written in the order of the (clinic, local_date, ...) index, a clinic's days share
            # pages: a dashboard period then reads a few pages instead of one per row.
            .order_by("clinic_id", "local_date", "provider_id", *rollup.key)
        )
        sql, params = select.query.sql_with_params()
        if rollup.fine in tables:
            # The ORM names the table only as a quoted identifier; the staging copy has its
            # columns, so reading it instead is a change of name.
            assert quote(rollup.fine._meta.db_table) in sql
            sql = sql.replace(quote(rollup.fine._meta.db_table), quote(tables[rollup.fine]))
        _insert_from_select(rollup.coarse, [*keys, *rollup.sums], sql, params,
                            table=tables.get(rollup.coarse))

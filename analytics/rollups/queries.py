"""The SQL that computes the fine rollup rows from the stored responses, scores and invitations.

Every SELECT is built by the ORM, which keeps it portable between PostgreSQL and SQLite (the
demo), JSON key lookups included; analytics.rollups.sources says which raw rows to read,
analytics.rollups.grains sums the fine rows into the coarser grains,
analytics.rollups.services decides which buckets to recompute and when, and
analytics.rollups.tables swaps in the fresh tables a bulk rebuild loads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, JSONField, Q, QuerySet, Sum, Value
from django.db.models.fields.json import KeyTransform

from analytics.models import (
    BUCKET_FIELDS,
    DAY_BUCKET_FIELDS,
    DimensionRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseRollup,
)
from analytics.rollups.sources import SourceRows
from feedback.models import DimensionScore, Instrument, Invitation, Response
from feedback.scoring import nps_class
from feedback.services import instrument_definition

ROLLUP_MODELS = (ResponseRollup, DimensionRollup, ItemRollup)
# The bulk rebuild's per-bucket item counts, a temporary table of the loading connection.
ITEM_WIDE_TABLE = "item_wide__rebuild"


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
        if definition.is_staff:  # never in a patient rollup (see sources.PATIENT_RESPONSES)
            continue
        nps.update(d.id for d in definition.recommend_dimensions)
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


def insert_from_select(
    model, columns: Iterable[str], sql: str, params: Iterable, *, table: str | None = None
) -> int:
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table or model._meta.db_table)} ({names}) {sql}", params
        )
        return cursor.rowcount


RESPONSE_COUNT_COLUMNS = (*BUCKET_FIELDS, "responses", "invitations_sent", "invitations_answered")


def _response_counts_sql(
    *, responses: Q, invitations: Q, key_ordered: bool = False
) -> tuple[str, list]:
    """Responses per bucket, and the invitations sent on its day and answered, in one GROUP BY.

    The invitation's visit gives its provider and visit type, as it does its response's.
    ``key_ordered`` sorts the rows as the unique key does (see _bucket_order).
    """
    response_keys = {f"key_{field}": F(field) for field in BUCKET_FIELDS}
    invitation_keys = {
        "key_clinic": F("visit__clinic"),
        "key_local_date": F("sent_local_date"),
        "key_provider": F("visit__provider"),
        "key_visit_type": F("visit__visit_type"),
        "key_channel": F("channel"),
        "key_language": F("language"),
    }
    assert list(invitation_keys) == list(response_keys)
    counted = (
        Response.objects.filter(responses)
        .values(**response_keys)
        .annotate(n_responses=Count("pk"), n_sent=Value(0), n_answered=Value(0))
        .order_by()
    )
    invited = (
        Invitation.objects.filter(invitations, sent_local_date__isnull=False)
        .values(**invitation_keys)
        .annotate(
            n_responses=Value(0),
            n_sent=Count("pk"),
            n_answered=Count("pk", filter=Q(used_at__isnull=False)),
        )
        .order_by()
    )
    union_sql, params = counted.union(invited, all=True).order_by().query.sql_with_params()
    keys = ", ".join(response_keys)
    sql = (
        f"SELECT {keys}, SUM(n_responses) AS responses, SUM(n_sent) AS invitations_sent, "
        "SUM(n_answered) AS invitations_answered "
        f"FROM ({union_sql}) counts GROUP BY {keys}"
    )
    if key_ordered:
        sql += " ORDER BY " + ", ".join(
            f"{key} NULLS FIRST" if key == "key_provider" else key for key in response_keys
        )
    return sql, list(params)


def _dimension_rollup_select(
    where: Q, facts: ScoringFacts, *, bucket: tuple[str, ...] = BUCKET_FIELDS
) -> QuerySet:
    """Dimension statistics per ``bucket`` (bench/rollups.py also asks for issue 3's own key)."""
    nps = Q(dimension__in=facts.nps_dimensions)
    promoter_min = min(v for v in range(11) if nps_class(v) == "promoter")
    detractor_max = max(v for v in range(11) if nps_class(v) == "detractor")
    keys = [f"response__{field}" for field in bucket]
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
            *keys,
            "dimension",
            "n",
            "score_sum",
            "score_sumsq",
            "answered",
            "top_box",
            "promoters",
            "detractors",
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


def bucket_order(prefix: str = "", *, fields: tuple[str, ...] = BUCKET_FIELDS) -> list:
    """The order of the rollups' unique keys, where COALESCE(provider, 0) puts no provider first.

    Rows loaded in this order make the index build's sort a single pass over presorted input
    (at 1M responses 21 s instead of 50 s for the item rollups).
    """
    return [
        F(f"{prefix}{field}").asc(nulls_first=True) if field == "provider" else f"{prefix}{field}"
        for field in fields
    ]


def _item_wide_select(where: Q, facts: ScoringFacts) -> QuerySet:
    """One row per bucket with each item's valid and top-box answer counts as two columns."""
    counts = {}
    for position, item_id in enumerate(facts.item_top_values):
        counts[f"answers_{position}"] = Count("pk", filter=Q(answers__has_key=item_id))
        counts[f"top_box_{position}"] = Count(
            "pk", filter=_top_box_q(item_id, facts.item_top_values[item_id])
        )
    return (
        Response.objects.filter(where)
        .values(*BUCKET_FIELDS)
        .annotate(**counts)
        .values_list(*BUCKET_FIELDS, *counts)
    )


def _item_unpivot_sql(
    wide_sql: str,
    wide_params: Iterable,
    facts: ScoringFacts,
    *,
    keys: tuple[str, ...] = BUCKET_FIELDS,
) -> tuple[str, list]:
    """Turn each wide row (``keys`` plus the columns of _item_wide_select) into one row per item.

    On PostgreSQL a LATERAL VALUES list emits a wide row's items one after another, in item
    order, so wide rows sorted by ``keys`` come out sorted by the item rollups' unique key.
    SQLite (the demo) has no LATERAL: a cross join with the item list picks each item's columns.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(f"wide.{quote(field)}" for field in keys)
    positions = range(len(facts.item_top_values))
    if connection.vendor == "postgresql":
        per_item = ", ".join(f"(%s, wide.answers_{p}, wide.top_box_{p})" for p in positions)
        sql = (
            f"SELECT {columns}, per_item.item, per_item.answers, per_item.top_box "
            f"FROM ({wide_sql}) wide CROSS JOIN LATERAL (VALUES {per_item}) "
            "per_item (item, answers, top_box) WHERE per_item.answers > 0"
        )
        return sql, [*wide_params, *facts.item_top_values]

    def pick(prefix: str) -> str:
        whens = " ".join(f"WHEN {p} THEN wide.{prefix}_{p}" for p in positions)
        return f"CASE item_list.position {whens} END"

    item_list = " UNION ALL ".join(
        "SELECT %s AS position, %s AS item" if p == 0 else "SELECT %s, %s" for p in positions
    )
    sql = (
        f"SELECT * FROM (SELECT {columns}, item_list.item, {pick('answers')} AS answers, "
        f"{pick('top_box')} AS top_box FROM ({wide_sql}) wide CROSS JOIN ({item_list}) item_list"
        ") per_item WHERE per_item.answers > 0"
    )
    item_params = [value for p, item in enumerate(facts.item_top_values) for value in (p, item)]
    return sql, [*wide_params, *item_params]


def _item_rollup_sql(where: Q, facts: ScoringFacts) -> tuple[str, list]:
    """Count each item's valid and top-box answers per bucket in one pass over the responses.

    The responses are grouped once into a wide row per bucket (two counts per item), which is
    then unpivoted into one row per (bucket, item); grouping the responses once is cheaper than
    unnesting every answer and grouping those.
    """
    return _item_unpivot_sql(*_item_wide_select(where, facts).query.sql_with_params(), facts)


# The statistics summed in every dimension rollup, at every grain.
DIMENSION_SUMS = (
    "n",
    "score_sum",
    "score_sumsq",
    "answered_items",
    "top_box_items",
    "promoters",
    "detractors",
)
DIMENSION_COLUMNS = (*BUCKET_FIELDS, "dimension", *DIMENSION_SUMS)


def rollups_insert(*, source: SourceRows, facts: ScoringFacts) -> None:
    """INSERT ... SELECT each rollup's rows for these source rows."""
    sql, params = _response_counts_sql(responses=source.responses, invitations=source.invitations)
    insert_from_select(ResponseRollup, RESPONSE_COUNT_COLUMNS, sql, params)
    sql, params = _dimension_rollup_select(source.scores, facts).query.sql_with_params()
    insert_from_select(DimensionRollup, DIMENSION_COLUMNS, sql, params)
    if facts.item_top_values:
        sql, params = _item_rollup_sql(source.responses, facts)
        insert_from_select(ItemRollup, [*BUCKET_FIELDS, "item", "answers", "top_box"], sql, params)


def rollups_load(*, source: SourceRows, facts: ScoringFacts, tables: dict) -> None:
    """Load these source rows' response and dimension rollups into the staging ``tables``.

    The response rows in unique-key order, which the index build then finds presorted. Not the
    dimension rows: sorting 4.7M of them after the hash aggregate costs as much as it saves
    (a 39 s load instead of 19-24 s, against an index build of 8 s instead of 23 s).
    """
    sql, params = _response_counts_sql(
        responses=source.responses, invitations=source.invitations, key_ordered=True
    )
    insert_from_select(
        ResponseRollup, RESPONSE_COUNT_COLUMNS, sql, params, table=tables[ResponseRollup]
    )
    sql, params = _dimension_rollup_select(source.scores, facts).query.sql_with_params()
    insert_from_select(
        DimensionRollup, DIMENSION_COLUMNS, sql, params, table=tables[DimensionRollup]
    )


def item_rollups_load(*, source: SourceRows, facts: ScoringFacts, tables: dict) -> None:
    """Load these source rows' item rollups, fine and day, into the staging ``tables``.

    In unique-key order, as rollups_load. The day rows are summed from the same per-bucket item
    counts: integers, so exactly the sums of the fine rows, at the cost of grouping 800k wide
    rows where summing the 10M fine item rows again took 19 s.
    """
    if not facts.item_top_values:
        return
    wide_sql, wide_params = (
        _item_wide_select(source.responses, facts).order_by(*bucket_order()).query.sql_with_params()
    )
    quote = connection.ops.quote_name
    day_keys = DAY_BUCKET_FIELDS
    day_sums = ", ".join(
        f"SUM({column})::bigint AS {column}"
        for p in range(len(facts.item_top_values))
        for column in (f"answers_{p}", f"top_box_{p}")
    )
    with connection.cursor() as cursor:
        # Temporary: no WAL, and read twice without computing the JSON lookups again.
        cursor.execute(f"CREATE TEMPORARY TABLE {ITEM_WIDE_TABLE} AS {wide_sql}", wide_params)
        sql, params = _item_unpivot_sql(f"SELECT * FROM {ITEM_WIDE_TABLE}", [], facts)
        insert_from_select(
            ItemRollup,
            [*BUCKET_FIELDS, "item", "answers", "top_box"],
            sql,
            params,
            table=tables[ItemRollup],
        )
        day_wide = (
            f"SELECT {', '.join(quote(k) for k in day_keys)}, {day_sums} FROM {ITEM_WIDE_TABLE} "
            f"GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS FIRST"
        )
        sql, params = _item_unpivot_sql(day_wide, [], facts, keys=day_keys)
        insert_from_select(
            ItemDayRollup,
            [*day_keys, "item", "answers", "top_box"],
            sql,
            params,
            table=tables[ItemDayRollup],
        )
        cursor.execute(f"DROP TABLE {ITEM_WIDE_TABLE}")

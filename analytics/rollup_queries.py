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
    DAY_BUCKET_FIELDS,
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
from feedback.models import DimensionScore, Instrument, Invitation, Response
from feedback.scoring import nps_class
from feedback.services import instrument_definition

Bucket = tuple[int, dt.date]  # (clinic id, local date)

ROLLUP_MODELS = (ResponseRollup, DimensionRollup, ItemRollup)


@dataclass(frozen=True)
class DayRollup:
    """A coarser rollup: a finer one summed over the key fields it drops."""

    fine: type
    coarse: type
    bucket: tuple[str, ...]  # the coarse rollup's bucket fields
    key: tuple[str, ...]  # beyond the bucket
    sums: tuple[str, ...]

    @property
    def key_columns(self) -> tuple[str, ...]:
        """The coarse rollup's whole key as column names (clinic_id, local_date, ...)."""
        return (*(f"{field}_id" if field in ("clinic", "provider") else field
                  for field in self.bucket), *self.key)


RESPONSE_SUMS = ("responses", "invitations_sent", "invitations_answered")
DIMENSION_SUMS = ("n", "score_sum", "score_sumsq", "answered_items", "top_box_items",
                  "promoters", "detractors")
ITEM_SUMS = ("answers", "top_box")
CLINIC_DAY = ("clinic", "local_date")

# In the order they are derived: each coarse rollup from one already written.
DAY_ROLLUPS = (
    DayRollup(ResponseRollup, ResponseDayRollup, DAY_BUCKET_FIELDS, (), RESPONSE_SUMS),
    DayRollup(DimensionRollup, DimensionDayRollup, DAY_BUCKET_FIELDS, ("dimension",),
              DIMENSION_SUMS),
    DayRollup(ItemRollup, ItemDayRollup, DAY_BUCKET_FIELDS, ("item",), ITEM_SUMS),
    DayRollup(ResponseDayRollup, ResponseClinicDayRollup, CLINIC_DAY, (), RESPONSE_SUMS),
    DayRollup(DimensionDayRollup, DimensionClinicDayRollup, CLINIC_DAY, ("dimension",),
              DIMENSION_SUMS),
    DayRollup(ItemDayRollup, ItemClinicDayRollup, CLINIC_DAY, ("item",), ITEM_SUMS),
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


@dataclass(frozen=True)
class BucketFields:
    """Where a model keeps a row's clinic and local day, as ORM lookups from that model."""

    clinic: str = "clinic_id"
    date: str = "local_date"


ROLLUP_ROW = BucketFields()
RESPONSE = BucketFields()
SCORE = BucketFields("response__clinic_id", "response__local_date")
# An invitation counts on the day it was sent, in its clinic's time zone.
INVITATION = BucketFields("visit__clinic_id", "sent_local_date")


def buckets_q(buckets: Iterable[Bucket], fields: BucketFields = ROLLUP_ROW) -> Q:
    dates_by_clinic: dict[int, set[dt.date]] = defaultdict(set)
    for clinic_id, local_date in buckets:
        dates_by_clinic[clinic_id].add(local_date)
    q = Q(pk__in=[])
    for clinic_id, dates in sorted(dates_by_clinic.items()):
        q |= Q(**{fields.clinic: clinic_id, f"{fields.date}__in": sorted(dates)})
    return q


def range_q(
    since: dt.date, until: dt.date, clinic_ids: list[int], fields: BucketFields = ROLLUP_ROW
) -> Q:
    # Naming every clinic lets the (clinic, local_date) indexes serve a date range of all clinics.
    return Q(**{f"{fields.clinic}__in": clinic_ids, f"{fields.date}__range": (since, until)})


@dataclass(frozen=True)
class SourceRows:
    """The raw rows a recompute reads: responses, their scores, and invitations."""

    responses: Q
    scores: Q
    invitations: Q

    @classmethod
    def of_buckets(cls, buckets: Iterable[Bucket]) -> SourceRows:
        buckets = list(buckets)
        return cls(buckets_q(buckets, RESPONSE), buckets_q(buckets, SCORE),
                   buckets_q(buckets, INVITATION))

    @classmethod
    def of_range(cls, since: dt.date, until: dt.date, clinic_ids: list[int]) -> SourceRows:
        return cls(*(range_q(since, until, clinic_ids, fields)
                     for fields in (RESPONSE, SCORE, INVITATION)))

    @classmethod
    def everything(cls) -> SourceRows:
        return cls(Q(), Q(), Q())


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


RESPONSE_COUNT_COLUMNS = (*BUCKET_FIELDS, "responses", "invitations_sent", "invitations_answered")


def _response_counts_sql(*, responses: Q, invitations: Q) -> tuple[str, list]:
    """Responses per bucket, and the invitations sent on its day and answered, in one GROUP BY.

    The invitation's visit gives its provider and visit type, as it does its response's.
    """
    response_keys = {f"key_{field}": F(field) for field in BUCKET_FIELDS}
    invitation_keys = {
        "key_clinic": F("visit__clinic"), "key_local_date": F("sent_local_date"),
        "key_provider": F("visit__provider"), "key_visit_type": F("visit__visit_type"),
        "key_channel": F("channel"), "key_language": F("language"),
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
        .annotate(n_responses=Value(0), n_sent=Count("pk"),
                  n_answered=Count("pk", filter=Q(used_at__isnull=False)))
        .order_by()
    )
    union_sql, params = counted.union(invited, all=True).order_by().query.sql_with_params()
    keys = ", ".join(response_keys)
    sql = (
        f"SELECT {keys}, SUM(n_responses) AS responses, SUM(n_sent) AS invitations_sent, "
        "SUM(n_answered) AS invitations_answered "
        f"FROM ({union_sql}) counts GROUP BY {keys}"
    )
    return sql, list(params)


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
    *, source: SourceRows, facts: ScoringFacts, tables: dict | None = None
) -> None:
    """INSERT ... SELECT each rollup's rows for these source rows (into ``tables`` if given)."""
    tables = tables or {}
    sql, params = _response_counts_sql(responses=source.responses, invitations=source.invitations)
    _insert_from_select(ResponseRollup, RESPONSE_COUNT_COLUMNS, sql, params,
                        table=tables.get(ResponseRollup))
    sql, params = _dimension_rollup_select(source.scores, facts).query.sql_with_params()
    _insert_from_select(DimensionRollup, DIMENSION_COLUMNS, sql, params,
                        table=tables.get(DimensionRollup))
    if facts.item_top_values:
        sql, params = _item_rollup_sql(source.responses, facts)
        _insert_from_select(ItemRollup, [*BUCKET_FIELDS, "item", "answers", "top_box"], sql,
                            params, table=tables.get(ItemRollup))


def day_rollups_insert(*, where: Q, tables: dict | None = None) -> None:
    """INSERT ... SELECT the coarse rows of the fine rows ``where`` selects, grouped in SQL.

    Summing the finer rows just written (not the raw responses again) keeps every coarse row the
    exact sum of its fine rows, and costs a GROUP BY over a few rows per bucket. With ``tables``
    (the bulk rebuild) it reads the finer staging tables and writes the coarser ones.
    """
    tables = tables or {}
    quote = connection.ops.quote_name
    for rollup in DAY_ROLLUPS:
        keys = (*rollup.bucket, *rollup.key)
        select = (
            rollup.fine.objects.filter(where)
            .values(*keys)
            .annotate(**{f"total_{name}": Sum(name) for name in rollup.sums})
            .values_list(*keys, *(f"total_{name}" for name in rollup.sums))
            # Written in the order of the (clinic, local_date, ...) index, a clinic's days share
            # pages: a dashboard period then reads a few pages instead of one per row.
            .order_by(*rollup.key_columns)
        )
        sql, params = select.query.sql_with_params()
        if rollup.fine in tables:
            # The ORM names the table only as a quoted identifier; the staging copy has its
            # columns, so reading it instead is a change of name.
            assert quote(rollup.fine._meta.db_table) in sql
            sql = sql.replace(quote(rollup.fine._meta.db_table), quote(tables[rollup.fine]))
        _insert_from_select(rollup.coarse, [*keys, *rollup.sums], sql, params,
                            table=tables.get(rollup.coarse))

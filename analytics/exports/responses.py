"""The responses export: one CSV row per response, read from the database a chunk at a time.

On PostgreSQL each chunk is one COPY ... TO STDOUT of a range of response ids, so the database
writes the CSV itself (formula cells neutralised in the same SQL); elsewhere (the SQLite demo)
the ORM reads a chunk and csv_writer writes it. Both write the same columns with the same rule,
and memory holds one chunk whatever the size of the export.

Comments leave the portal redacted exactly as staff pages show them (feedback.testimonials): the
redaction is Python, so on PostgreSQL COPY writes a mark in the comment cell of each row with a
comment, and only those rows' comments are read, redacted and put in its place; every other byte
is COPY's own (parsing and writing every row again in Python had halved the export's speed).
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections

from analytics.exports.csv_writer import csv_encoded, neutralised_sql
from analytics.exports.precision import SHOWN_DIGITS, shown_rounded
from analytics.read_replica import reads_alias
from analytics.rollups.selectors import RollupFilter
from feedback.instrument_definition import parse_definition
from feedback.models import Clinic, DimensionScore, Instrument, Response
from feedback.testimonials import comment_redacted, provider_names_by_clinic

# Ids here are the portal's own row numbers: they identify nothing outside the system (no visit
# number, invitation or contact detail is ever exported).
FIXED_COLUMNS = (
    "response_id",
    "clinic",
    "provider",
    "visit_type",
    "channel",
    "language",
    "submitted_date",
)
RECOMMEND_COLUMN = "likelihood_to_recommend"
COMMENT_COLUMN = "comment"


@dataclass(frozen=True)
class ResponseColumns:
    """What a responses export holds, from the instrument definitions in the database."""

    items: tuple[str, ...]  # items of other dimensions: the stored answer, empty when absent
    # Other dimensions: the 0-100 score, empty when not scored (percent positive: 100 or 0).
    dimensions: tuple[str, ...]
    recommend_items: tuple[str, ...]  # items of NPS dimensions: likelihood to recommend, 0-10
    comments: bool
    # Decimals of the scores (as the dashboard shows them); None: as stored.
    score_digits: int | None = SHOWN_DIGITS

    def score_cell(self, score: float | None) -> float | int | None:
        if score is None or self.score_digits is None:
            return score
        return shown_rounded(score, self.score_digits)

    @property
    def header(self) -> list[str]:
        return [
            *FIXED_COLUMNS,
            *self.items,
            *(f"score_{dimension}" for dimension in self.dimensions),
            *([RECOMMEND_COLUMN] if self.recommend_items else []),
            *([COMMENT_COLUMN] if self.comments else []),
        ]


def response_columns(*, comments: bool, full_precision: bool = False) -> ResponseColumns:
    """The union of every loaded instrument version's items and dimensions, in definition order,
    so old and new versions share one file (a version without an item leaves it empty)."""
    items: dict[str, None] = {}
    dimensions: dict[str, None] = {}
    recommend: dict[str, None] = {}
    for raw in Instrument.objects.order_by("slug", "version").values_list("definition", flat=True):
        definition = parse_definition(raw)
        if definition.is_staff:  # staff pulse answers are never exported with patients'
            continue
        recommend_ids = {dimension.id for dimension in definition.recommend_dimensions}
        for dimension in definition.dimensions:
            if dimension.id not in recommend_ids:
                dimensions.setdefault(dimension.id)
        for item in definition.items:
            (recommend if item.dimension in recommend_ids else items).setdefault(item.id)
    return ResponseColumns(
        tuple(items),
        tuple(dimensions),
        tuple(recommend),
        comments,
        None if full_precision else SHOWN_DIGITS,
    )


def response_count(*, where: RollupFilter) -> int:
    return Response.objects.filter(where.q(), pulse_round__isnull=True).count()


class CommentRedactor:
    """Redacts comments of the export's clinics as staff pages do, with each clinic's provider
    names; the clinics and names are read once per export, not per row."""

    def __init__(self, clinic_ids) -> None:
        self.clinics = Clinic.objects.in_bulk(list(clinic_ids))
        self.provider_names = provider_names_by_clinic(self.clinics)

    def redacted(self, *, clinic_id: int, comment: str) -> str | None:
        """The comment as a staff page shows it; None (an empty cell) when there is none."""
        if not comment:
            return None
        # An unsaved Response is how comment_redacted takes its input: one rule, not a copy.
        response = Response(clinic=self.clinics[clinic_id], comment=comment)
        return (
            comment_redacted(response=response, provider_names=self.provider_names[clinic_id])
            or None
        )


def response_csv_chunks(
    *, where: RollupFilter, columns: ResponseColumns, chunk_rows: int
) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV bytes) per chunk of at most ``chunk_rows`` responses, in id order; no header."""
    if connections[reads_alias()].vendor == "postgresql":
        yield from _postgres_chunks(where, columns, chunk_rows)
    else:
        yield from _orm_chunks(where, columns, chunk_rows)


def _orm_chunks(
    where: RollupFilter, columns: ResponseColumns, chunk_rows: int
) -> Iterator[tuple[int, bytes]]:
    responses = (
        Response.objects.filter(where.q(), pulse_round__isnull=True)
        .order_by("id")
        .values_list(
            "id",
            "clinic__slug",
            "provider__display_name",
            "visit_type",
            "channel",
            "language",
            "local_date",
            "answers",
            "comment",
            "clinic_id",
        )
    )
    redactor = CommentRedactor(where.clinic_ids) if columns.comments else None
    last_id = 0
    while batch := list(responses.filter(id__gt=last_id)[:chunk_rows]):
        last_id = batch[-1][0]
        scores: dict[int, dict[str, float]] = defaultdict(dict)
        for response_id, dimension, score in DimensionScore.objects.filter(
            response_id__in=[row[0] for row in batch], dimension__in=columns.dimensions
        ).values_list("response_id", "dimension", "score"):
            scores[response_id][dimension] = score
        rows = []
        for (
            response_id,
            clinic,
            provider,
            visit_type,
            channel,
            language,
            day,
            answers,
            comment,
            clinic_id,
        ) in batch:
            recommend = next(
                (answers[item] for item in columns.recommend_items if item in answers), None
            )
            rows.append(
                [
                    response_id,
                    clinic,
                    provider,
                    visit_type or None,
                    channel,
                    language,
                    day.isoformat(),
                    *(answers.get(item) for item in columns.items),
                    *(
                        columns.score_cell(scores[response_id].get(dimension))
                        for dimension in columns.dimensions
                    ),
                    *([recommend] if columns.recommend_items else []),
                    *(
                        [redactor.redacted(clinic_id=clinic_id, comment=comment)]
                        if redactor
                        else []
                    ),
                ]
            )
        yield len(rows), csv_encoded(rows)


def _postgres_chunks(
    where: RollupFilter, columns: ResponseColumns, chunk_rows: int
) -> Iterator[tuple[int, bytes]]:
    connection = connections[reads_alias()]  # the replica inside replica_reads()
    where_sql, params = _where_sql(where, connection)
    redactor = CommentRedactor(where.clinic_ids) if columns.comments else None
    with connection.cursor() as cursor:
        # Every chunk_rows-th id of the export: the upper bounds of the chunks, in one scan.
        cursor.execute(
            "SELECT id FROM (SELECT feedback_response.id, row_number() OVER "
            f"(ORDER BY feedback_response.id) AS rn FROM feedback_response WHERE {where_sql}) t "
            "WHERE rn %% %s = 0 ORDER BY id",
            [*params, chunk_rows],
        )
        bounds = [row[0] for row in cursor.fetchall()]
        raw = cursor.cursor  # psycopg2's own cursor: COPY is not part of the DB-API
        lower = 0
        for upper in [*bounds, None]:
            id_range = [lower] if upper is None else [lower, upper]
            statement = raw.mogrify(
                _copy_sql(columns, where_sql, upper is not None), [*id_range, *id_range, *params]
            )
            buffer = io.BytesIO()
            raw.copy_expert(statement.decode(), buffer)
            if raw.rowcount:
                data = buffer.getvalue()
                yield raw.rowcount, (_comments_redacted(data, redactor) if redactor else data)
            lower = upper


# COPY writes this in the comment cell of a row with a comment (the cell is empty otherwise):
# \x01 and the response id, unquoted, always the last cell of its line. No text stored by the
# portal in the cells before it can end a line with it.
_COMMENT_MARK = re.compile(rb",\x01(\d+)\x01\n")


def _comments_redacted(data: bytes, redactor: CommentRedactor) -> bytes:
    """COPY's CSV for one chunk with each comment mark replaced by the redacted comment.

    Only the rows with a comment cost Python: their comments are read in one query and the
    marks replaced in one pass over the chunk; every other byte stays as COPY wrote it (already
    neutralised). The comment is neutralised here, after redaction.
    """
    ids = [int(found) for found in _COMMENT_MARK.findall(data)]
    if not ids:
        return data
    cells: dict[int, bytes] = {}
    for response_id, clinic_id, comment in Response.objects.filter(pk__in=ids).values_list(
        "pk", "clinic_id", "comment"
    ):
        redacted = redactor.redacted(clinic_id=clinic_id, comment=comment)
        cells[response_id] = csv_encoded([[redacted]])[:-1] if redacted is not None else b""
    return _COMMENT_MARK.sub(lambda mark: b"," + cells[int(mark.group(1))] + b"\n", data)


def _where_sql(where: RollupFilter, connection) -> tuple[str, list]:
    """The WHERE clause the ORM writes for ``where`` on responses: one definition of the filter."""
    query = Response.objects.filter(where.q(), pulse_round__isnull=True).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def _copy_sql(columns: ResponseColumns, where_sql: str, bounded: bool) -> str:
    """COPY of the responses with lower < id [<= upper], scores pivoted per chunk in one join."""
    range_sql = "feedback_response.id > %s" + (" AND feedback_response.id <= %s" if bounded else "")
    score_range = "response_id > %s" + (" AND response_id <= %s" if bounded else "")
    answers = [f"(feedback_response.answers ->> {_literal(item)})::int" for item in columns.items]
    scores = [
        f"s.d{number}"
        if columns.score_digits is None
        else f"round(s.d{number}::numeric, {int(columns.score_digits)})"
        for number in range(len(columns.dimensions))
    ]
    recommend = (
        [
            "COALESCE("
            + ", ".join(
                f"(feedback_response.answers ->> {_literal(item)})::int"
                for item in columns.recommend_items
            )
            + ")"
        ]
        if columns.recommend_items
        else []
    )
    # A mark that _comments_redacted replaces with the redacted comment; empty when there is none.
    comment = (
        [
            "CASE WHEN feedback_response.comment <> '' THEN E'\\x01' || feedback_response.id"
            " || E'\\x01' END"
        ]
        if columns.comments
        else []
    )
    pivot = (
        ", ".join(
            f"max(score) FILTER (WHERE dimension = {_literal(dimension)}) AS d{number}"
            for number, dimension in enumerate(columns.dimensions)
        )
        or "NULL AS none"
    )
    select = ", ".join(
        [
            "feedback_response.id",
            neutralised_sql("c.slug"),
            neutralised_sql("p.display_name"),
            "NULLIF(feedback_response.visit_type, '')",
            "feedback_response.channel",
            "feedback_response.language",
            "feedback_response.local_date",
            *answers,
            *scores,
            *recommend,
            *comment,
        ]
    )
    # The score range repeats the response range so each chunk aggregates only its own scores.
    return (
        f"COPY (SELECT {select} FROM feedback_response "
        "JOIN feedback_clinic c ON c.id = feedback_response.clinic_id "
        "LEFT JOIN feedback_provider p ON p.id = feedback_response.provider_id "
        f"LEFT JOIN (SELECT response_id, {pivot} FROM feedback_dimensionscore "
        f"WHERE {score_range} GROUP BY response_id) s ON s.response_id = feedback_response.id "
        f"WHERE {range_sql} AND ({where_sql}) ORDER BY feedback_response.id) "
        "TO STDOUT WITH (FORMAT csv)"
    )


def _literal(text: str) -> str:
    """A SQL string literal for an identifier-like item or dimension id (validated: [a-z0-9_])."""
    if not text.replace("_", "").isalnum() or not text.isascii():
        raise ValueError(f"unexpected id {text!r}")
    return f"'{text}'"

"""Benchmark: a full rollup rebuild against plain SQL GROUP BYs over the same 1,000,000 responses.

Not a test. Run against a PostgreSQL database it may fill (created if missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_bench .venv/bin/python bench/rollups.py

Responses and their dimension scores are generated in the database (INSERT ... SELECT
generate_series), not through the ORM; --reuse keeps data already there. Timed in one run:
(a) the plain GROUP BY of issue 3 (day, clinic, provider, dimension); (b) plain GROUP BYs over
the rollups' full keys, the very SELECTs the rebuild loads, which any rebuild must at least
compute; (c) the full rebuild, with where its time went. Target: rebuild <= 3x (a).
For comparison, (d) the rollup table of issue 3 alone, (day, clinic, provider, dimension) with
all its statistics, written to a new table and indexed: what a rebuild costs without the finer
grain (visit type, channel, language) the dashboard's filters need, items and invitations.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench")
os.environ.pop("REDIS_URL", None)  # tasks are not used here
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

CLINICS = 20
PROVIDERS_PER_CLINIC = 10
DAYS = 730

# Shares that look like a real health system: mostly routine visits, e-mail, English.
VISIT_TYPES = (
    "CASE WHEN r.u_visit < 0.50 THEN 'routine' WHEN r.u_visit < 0.75 THEN 'follow_up' "
    "WHEN r.u_visit < 0.85 THEN 'urgent' WHEN r.u_visit < 0.95 THEN 'telehealth' "
    "WHEN r.u_visit < 0.99 THEN 'procedure' ELSE 'other' END"
)


def database_create_if_missing(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def likert(column_seed: str) -> str:
    """A 1-5 answer leaning positive, absent ("does not apply") 4% of the time."""
    return (
        f"CASE WHEN random() < 0.04 THEN NULL ELSE "
        f"(ARRAY[1,2,3,3,4,4,4,5,5,5,5])[1 + floor(random() * 11)::int] END /* {column_seed} */"
    )


def data_generate(cursor, responses: int) -> None:
    from feedback.services import instrument_current, instrument_definition

    definition = instrument_definition(instrument_current())
    cursor.execute(
        "TRUNCATE analytics_responserollup, analytics_dimensionrollup, "
        "analytics_itemrollup, analytics_responsedayrollup, "
        "analytics_dimensiondayrollup, analytics_itemdayrollup, "
        "feedback_dirtybucket, feedback_dimensionscore, "
        "feedback_testimonial, feedback_response, feedback_provider, "
        "feedback_clinicmembership, feedback_clinic RESTART IDENTITY CASCADE"
    )
    cursor.execute(
        "INSERT INTO feedback_clinic (name, slug, timezone, created_at, instrument_slug) "
        "SELECT 'Clinic ' || c, 'clinic-' || c, 'America/New_York', now(), '' "
        "FROM generate_series(1, %s) c",
        [CLINICS],
    )
    cursor.execute(
        "INSERT INTO feedback_provider (clinic_id, display_name, role, external_id, is_active, "
        "email, kudos_digest) "
        "SELECT c.id, 'Provider ' || c.id || '-' || p, 'physician', c.id || '-' || p, true, "
        "'', false "
        "FROM feedback_clinic c, generate_series(1, %s) p",
        [PROVIDERS_PER_CLINIC],
    )
    pairs = ", ".join(
        f"'{item.id}', {'r.recommend' if item.scale.max == 10 else likert(item.id)}"
        for item in definition.items
    )
    cursor.execute(
        f"""
        INSERT INTO feedback_response (instrument_id, clinic_id, provider_id, visit_type, channel,
            language, submitted_at, local_date, answers, comment)
        SELECT %s, r.clinic_id,
            CASE WHEN r.u_provider < 0.1 THEN NULL
                 ELSE (r.clinic_id - 1) * %s + 1 + floor(r.u_provider * %s)::int %% %s END,
            {VISIT_TYPES},
            CASE WHEN r.u_channel < 0.5 THEN 'email' WHEN r.u_channel < 0.85 THEN 'sms'
                 ELSE 'qr' END,
            CASE WHEN r.u_language < 0.8 THEN 'en' ELSE 'es' END,
            r.submitted_at, (r.submitted_at AT TIME ZONE 'America/New_York')::date,
            jsonb_strip_nulls(jsonb_build_object({pairs})), ''
        FROM (
            SELECT 1 + floor(random() * %s)::int AS clinic_id, random() AS u_provider,
                random() AS u_visit, random() AS u_channel, random() AS u_language,
                (ARRAY[0,2,4,5,6,7,7,8,8,8,9,9,9,9,10,10,10])[1 + floor(random() * 17)::int]
                    AS recommend,
                timestamptz '2024-01-01 12:00+00'
                    + interval '1 second' * (g::float8 * %s * 86400 / %s)
                    AS submitted_at
            FROM generate_series(1, %s) g
        ) r
        """,
        [
            instrument_current().pk,
            PROVIDERS_PER_CLINIC,
            PROVIDERS_PER_CLINIC * 10,
            PROVIDERS_PER_CLINIC,
            CLINICS,
            DAYS,
            responses,
            responses,
        ],
    )
    # Scores from the stored answers, as the scoring module would (mean of answered, 0-100).
    dims = []
    for dimension in definition.dimensions:
        items = definition.items_of(dimension.id)
        scale = items[0].scale
        values = ", ".join(
            f"({scale.min + scale.max} - (answers->>'{i.id}')::int)"
            if i.reverse
            else f"(answers->>'{i.id}')::int"
            for i in items
        )
        dims.append((dimension.id, values, scale.min, scale.max, len(items), dimension.max_missing))
    for dim, values, lo, hi, count, max_missing in dims:
        cursor.execute(
            f"""
            INSERT INTO feedback_dimensionscore
                (response_id, dimension, mean, score, answered_items, top_box_items)
            SELECT id, %s, m, 100.0 * (m - %s) / (%s - %s), answered, top
            FROM (
                SELECT r.id, avg(v) AS m, count(v) AS answered,
                       count(*) FILTER (WHERE v = %s) AS top
                FROM feedback_response r CROSS JOIN LATERAL unnest(ARRAY[{values}]) v
                GROUP BY r.id
            ) s
            WHERE answered >= %s
            """,
            [dim, lo, hi, lo, hi, count - max_missing],
        )
    cursor.execute("ANALYZE")


def timed(label: str, run) -> float:
    started = time.perf_counter()
    result = run()
    elapsed = time.perf_counter() - started
    print(f"{label:<34} {elapsed:8.2f} s   {result}")
    return elapsed


def plain_group_by(cursor) -> str:
    # The outer sums force every aggregate to be computed; only one row crosses the wire.
    cursor.execute("""
        SELECT count(*), sum(n), sum(total) FROM (
            SELECT r.local_date, r.clinic_id, r.provider_id, s.dimension,
                   count(*) AS n, sum(s.score) AS total, sum(s.score * s.score) AS squares
            FROM feedback_dimensionscore s JOIN feedback_response r ON r.id = s.response_id
            GROUP BY r.local_date, r.clinic_id, r.provider_id, s.dimension
        ) g
    """)
    groups, n, _ = cursor.fetchone()
    return f"{groups:,} groups over {n:,} scores"


def full_key_group_bys(cursor) -> dict[str, tuple[str, list]]:
    """The rebuild's own SELECTs, each summed over every output column so none is skipped."""
    from django.db.models import Q

    from analytics.rollups import queries as services

    facts = services.scoring_facts()
    responses, params_r = services._response_counts_sql(responses=Q(), invitations=Q())
    dimensions, params_d = services._dimension_rollup_select(Q(), facts).query.sql_with_params()
    items, params_i = services._item_rollup_sql(Q(), facts)
    return {
        "responses": (
            "SELECT count(*), sum(responses), sum(invitations_sent), sum(invitations_answered) "
            f"FROM ({responses}) g",
            list(params_r),
        ),
        "dimensions": (
            "SELECT count(*), sum(n), sum(score_sum), sum(score_sumsq), sum(answered), "
            f"sum(top_box), sum(promoters), sum(detractors) FROM ({dimensions}) g",
            list(params_d),
        ),
        "items": (f"SELECT count(*), sum(answers), sum(top_box) FROM ({items}) g", params_i),
    }


def issue_grain_rebuild(cursor) -> str:
    """(d): the dimension rollups at issue 3's key only, loaded in key order and indexed."""
    from django.db.models import Q

    from analytics.models import DAY_BUCKET_FIELDS
    from analytics.rollups import queries as rollup_queries

    facts = rollup_queries.scoring_facts()
    select = rollup_queries._dimension_rollup_select(Q(), facts, bucket=DAY_BUCKET_FIELDS)
    sql, params = select.order_by(
        *rollup_queries.bucket_order("response__", fields=DAY_BUCKET_FIELDS), "dimension"
    ).query.sql_with_params()
    cursor.execute("DROP TABLE IF EXISTS bench_issue_grain")
    cursor.execute(f"CREATE TABLE bench_issue_grain AS {sql}", params)
    rows = cursor.rowcount
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'bench_issue_grain'::regclass"
        " AND attnum > 0 ORDER BY attnum LIMIT 4"
    )
    clinic, day, provider, dimension = (name for (name,) in cursor.fetchall())
    cursor.execute(
        f'CREATE UNIQUE INDEX ON bench_issue_grain ("{clinic}", "{day}", '
        f'COALESCE("{provider}", 0), "{dimension}")'
    )
    cursor.execute("ANALYZE bench_issue_grain")
    cursor.execute("DROP TABLE bench_issue_grain")
    return f"{rows:,} rows"


def statement_timer(totals: dict[str, float]):
    """A Django execute wrapper adding each statement's time to totals[its kind].

    Thread-safe: the bulk rebuild runs statements on several connections at once.
    """
    lock = threading.Lock()

    def kind(sql: str) -> str:
        words = sql.split()
        head = " ".join(words[:2]).upper()
        if head.startswith("INSERT INTO"):
            return "INSERT " + words[2].strip('"').removesuffix("__rebuild")
        if head.startswith("CREATE UNIQUE") or head.startswith("CREATE INDEX"):
            return "CREATE INDEX"
        if head.startswith("CREATE TEMPORARY"):
            return "CREATE TEMPORARY TABLE (item counts)"
        if "ADD CONSTRAINT" in sql:
            return "ADD PRIMARY KEY"
        return words[0].upper()

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            label = kind(sql)
            with lock:
                totals[label] = totals.get(label, 0.0) + time.perf_counter() - started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep data already generated")
    parser.add_argument(
        "--batched",
        action="store_true",
        help="also time the batched rebuild (DELETE + INSERT per 7 days; slow)",
    )
    args = parser.parse_args()
    database_create_if_missing(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created

    from analytics.models import (
        DimensionDayRollup,
        DimensionRollup,
        ItemDayRollup,
        ItemRollup,
        ResponseDayRollup,
        ResponseRollup,
    )
    from analytics.rollups.services import rollups_rebuild
    from feedback.models import DimensionScore, Response
    from feedback.services import instruments_load_shipped

    call_command("migrate", verbosity=0)
    instruments_load_shipped()
    with connection.cursor() as cursor:
        if not (args.reuse and Response.objects.count() == args.responses):
            timed(
                f"generate {args.responses:,} responses",
                lambda: data_generate(cursor, args.responses),
            )
        print(f"responses {Response.objects.count():,}, scores {DimensionScore.objects.count():,}")
        # The rebuild's settings, so the GROUP BYs get the same memory and no JIT.
        cursor.execute("SET work_mem = '256MB'")
        cursor.execute("SET jit = off")
        plain_group_by(cursor)  # warm the cache so every timing reads the same pages
        plain = timed("(a) plain GROUP BY", lambda: plain_group_by(cursor))

        def group_by(sql: str, params: list) -> str:
            cursor.execute(sql, params)
            return f"{cursor.fetchone()[0]:,} groups"

        full_key = sum(
            timed(f"(b) GROUP BY full key: {name}", lambda q=query: group_by(*q))
            for name, query in full_key_group_bys(cursor).items()
        )
        print(f"{'(b) total':<34} {full_key:8.2f} s")
        cursor.execute("RESET work_mem")
        cursor.execute("RESET jit")
    totals: dict[str, float] = {}
    timer = statement_timer(totals)

    def loading_connection_timed(sender, connection, **kwargs) -> None:
        connection.execute_wrappers.append(timer)

    connection_created.connect(loading_connection_timed)
    with connection.execute_wrapper(timer):
        rebuild = timed("(c) full rebuild (rollups_rebuild)", lambda: f"{rollups_rebuild()} days")
    connection_created.disconnect(loading_connection_timed)
    print("    statement time summed over the rebuild's connections (they overlap):")
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.05:
            print(f"    {label:<40} {seconds:8.2f} s")
    print(
        f"rollup rows: responses {ResponseRollup.objects.count():,}, "
        f"dimensions {DimensionRollup.objects.count():,}, items {ItemRollup.objects.count():,}"
    )
    print(
        f"day rollup rows: responses {ResponseDayRollup.objects.count():,}, "
        f"dimensions {DimensionDayRollup.objects.count():,}, "
        f"items {ItemDayRollup.objects.count():,}"
    )
    print(f"ratio rebuild / (a) plain GROUP BY: {rebuild / plain:.2f} (target <= 3)")
    print(f"ratio rebuild / (b) full-key GROUP BYs: {rebuild / full_key:.2f}")
    with connection.cursor() as cursor:
        for setting in ("work_mem = '256MB'", "maintenance_work_mem = '512MB'", "jit = off"):
            cursor.execute(f"SET {setting}")
        issue_grain = timed(
            "(d) issue 3's table alone, indexed", lambda: issue_grain_rebuild(cursor)
        )
        cursor.execute("RESET ALL")
    print(f"ratio (d) / (a): {issue_grain / plain:.2f}")
    if args.batched:
        batched = timed(
            "batched rebuild (7-day DELETE+INSERT)", lambda: f"{rollups_rebuild(bulk=False)} days"
        )
        print(f"ratio batched / (a): {batched / plain:.2f}, bulk speed-up {batched / rebuild:.1f}x")


if __name__ == "__main__":
    main()

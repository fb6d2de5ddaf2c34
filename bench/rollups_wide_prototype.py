"""Prototype (measurement only): "wide row" rollup storage, one row per bucket, rebuilt in full.

Evidence for issue 3's rebuild target, not product code: it answers whether storing a bucket's
statistics in one row (instead of one row per dimension and per item) brings the full rebuild
within 3x the plain GROUP BY. Measured on 2 shared cores: 3.4x at best (plain columns per
position), against 12.6x for the rollups as they are; arrays 7.4x.

One row per fine bucket (clinic, local_date, provider, visit_type, channel, language) holding the
response and invitation counts and, at a fixed position per dimension (6) and item (13), every
statistic the current one-row-per-(bucket, dimension|item) rollups hold; the day grain
(clinic, local_date, provider) and clinic-day grain (clinic, local_date) summed from it.

    .venv/bin/python bench/rollups.py                      # first: 1M responses in cp_bench
    .venv/bin/python bench/rollups_wide_prototype.py         # the best variant
    .venv/bin/python bench/rollups_wide_prototype.py --help  # the other variants

In one run, on cp_bench: (a) the plain GROUP BY of bench/rollups.py (warmed once, work_mem 256MB,
jit off); the full wide rebuild into fresh tables, step by step, on 2 connections like
analytics.rollups.bulk.rollups_rebuild_bulk (its settings: work_mem 256MB, jit off, ...); a
correctness check against the current rollup tables; a dashboard-like read on the clinic-day
grain against analytics_dimensionclinicdayrollup. The prototype tables are dropped at the end
unless --keep. If cp_bench has no invitations they are added (bench/dashboard.py's
invitations_generate) and the current rollups rebuilt once, so the check covers them.

Variants (defaults = the best measured):
--layout columns (default): one plain column per (statistic, position); arrays: one
  int[]/float8[] per statistic (measured ~2x slower to load and sum, tables 40% larger).
--fine bydate (default): each connection builds the fine rows of half the buckets (dates before /
  from the median date) from start to end: three GROUP BYs (scores x responses, responses with
  item counts, invitations x visits) into TEMPORARY tables, then one INSERT joining them, sorted;
  byclinic: the same split by clinic_id % 2 (each half then probes every score row);
  split: dimension GROUP BY on one connection | items + invitations on the other, into unlogged
  tables, then one join on one connection; fused: dimension scores pivoted per response, joined to
  the responses, one GROUP BY for dimensions and items (slower: see the report).
--dims case (default): the dimension's position computed once per score row, then
  FILTER (WHERE pos = n); filter: FILTER (WHERE dimension = '...') per aggregate.
--items record (default): answers unpacked once per response by jsonb_to_record; filter: two
  JSON operators per item, as rollup_queries does.
--merge-join hash (default): the join of the intermediates by hash joins, one sort at the end.
--one-statement: each half's fine rows in one INSERT, the GROUP BYs as subqueries.
--all-stats: ANALYZE every column (default: statistics only on the key columns).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

MAIN = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(MAIN))
sys.path.insert(0, str(MAIN / "bench"))
DATABASE_URL = os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_bench")
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

import psycopg2  # noqa: E402
from rollups import plain_group_by  # noqa: E402  (bench/rollups.py)

# As analytics.rollups.bulk._BULK_SETTINGS.
BULK_SETTINGS = (
    "work_mem = '256MB'",
    "maintenance_work_mem = '512MB'",
    "synchronous_commit = off",
    "random_page_cost = 1.1",
    "jit = off",
)
# Loading connections also: no parallel workers (CREATE TABLE AS may use them, INSERT ... SELECT,
# which the current code uses, never does; on 2 cores they only oversubscribe), and local buffers
# for the per-connection temporary intermediates.
LOAD_SETTINGS = ("max_parallel_workers_per_gather = 0", "temp_buffers = '1GB'")
FINE, DAY, CLINIC_DAY = "proto_wide_fine", "proto_wide_day", "proto_wide_clinicday"
TMP_DIMS, TMP_ITEMS, TMP_INV = "proto_wide_t_dims", "proto_wide_t_items", "proto_wide_t_inv"
STATS_KEYS_ONLY = True  # --all-stats turns it off
ALL_TABLES = (FINE, DAY, CLINIC_DAY, TMP_DIMS, TMP_ITEMS, TMP_INV)
# Provider stored as COALESCE(provider_id, 0) in the intermediates, so plain USING joins match.
KEY_FINE = ("clinic_id", "local_date", "provider_id", "visit_type", "channel", "language")
KEY_DAY = ("clinic_id", "local_date", "provider_id")
KEY_CLINIC_DAY = ("clinic_id", "local_date")


def q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(*, loading: bool = True):
    conn = psycopg2.connect(DATABASE_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        for setting in BULK_SETTINGS + (LOAD_SETTINGS if loading else ()):
            cursor.execute(f"SET {setting}")
    return conn


class Layout:
    """Where each statistic lives in a wide row: its own column, or a position of an array."""

    def __init__(self, kind: str, dims: list[str], items: list[str]):
        self.kind = kind
        self.dims, self.items = dims, items
        d, i = len(dims), len(items)
        # (name, SQL type, positions or None for a scalar)
        self.groups = [
            ("responses", "int", None),
            ("invitations_sent", "int", None),
            ("invitations_answered", "int", None),
            ("dim_n", "int", d),
            ("dim_sum", "float8", d),
            ("dim_sumsq", "float8", d),
            ("dim_answered", "int", d),
            ("dim_top", "int", d),
            ("promoters", "int", None),
            ("detractors", "int", None),
            ("item_answers", "int", i),
            ("item_top", "int", i),
        ]

    def stats(self):
        """Every (group, position or None, type) in storage order."""
        for name, sqltype, count in self.groups:
            if count is None:
                yield name, None, sqltype
            else:
                for p in range(count):
                    yield name, p, sqltype

    @staticmethod
    def flat(name: str, p: int | None) -> str:
        return name if p is None else f"{name}_{p}"

    def ddl(self) -> list[str]:
        if self.kind == "columns":
            return [f"{self.flat(n, p)} {t} NOT NULL" for n, p, t in self.stats()]
        return [f"{n} {t}{'' if c is None else '[]'} NOT NULL" for n, t, c in self.groups]

    def store(self, expr) -> str:
        """Select list storing expr(name, p) (an SQL expression) for every statistic."""
        if self.kind == "columns":
            return ", ".join(f"{expr(n, p)} AS {self.flat(n, p)}" for n, p, _ in self.stats())
        parts = []
        for name, sqltype, count in self.groups:
            if count is None:
                parts.append(f"{expr(name, None)} AS {name}")
            else:
                values = ", ".join(expr(name, p) for p in range(count))
                parts.append(f"ARRAY[{values}]::{sqltype}[] AS {name}")
        return ", ".join(parts)

    def ref(self, alias: str, name: str, p: int | None) -> str:
        if self.kind == "columns" or p is None:
            return f"{alias}.{self.flat(name, p)}"
        return f"{alias}.{name}[{p + 1}]"


def order_by(keys) -> str:
    return ", ".join(f"{k} NULLS FIRST" if k == "provider_id" else k for k in keys)


def unique_index(table: str, keys) -> str:
    cols = ", ".join("COALESCE(provider_id, 0)" if k == "provider_id" else k for k in keys)
    return f"CREATE UNIQUE INDEX {table}_key ON {table} ({cols})"


# --- the fine table's SELECTs ------------------------------------------------------------------


def dims_sql(
    facts, layout: Layout, how: str, where: str = "TRUE", where_scores: str = "TRUE"
) -> str:
    """Dimension statistics per fine bucket (provider as COALESCE(..., 0)), one GROUP BY."""
    nps = ", ".join(q(d) for d in facts.nps_dimensions)
    cols = []
    if how == "filter":
        for p, dim in enumerate(layout.dims):
            w = f"FILTER (WHERE s.dimension = {q(dim)})"
            cols += [
                f"count(*) {w} AS dim_n_{p}",
                f"sum(s.score) {w} AS dim_sum_{p}",
                f"sum(s.score * s.score) {w} AS dim_sumsq_{p}",
                f"sum(s.answered_items) {w} AS dim_answered_{p}",
                f"sum(s.top_box_items) {w} AS dim_top_{p}",
            ]
        source = "feedback_dimensionscore s JOIN feedback_response r ON r.id = s.response_id"
        where = f"{where} AND {where_scores}"
        nps_w = f"s.dimension IN ({nps})"
        mean = "s.mean"
    else:  # "case": the position computed once per score row (OFFSET 0 keeps it a subquery)
        whens = " ".join(f"WHEN {q(d)} THEN {p}" for p, d in enumerate(layout.dims))
        for p in range(len(layout.dims)):
            w = f"FILTER (WHERE s.pos = {p})"
            cols += [
                f"count(*) {w} AS dim_n_{p}",
                f"sum(s.score) {w} AS dim_sum_{p}",
                f"sum(s.score * s.score) {w} AS dim_sumsq_{p}",
                f"sum(s.answered_items) {w} AS dim_answered_{p}",
                f"sum(s.top_box_items) {w} AS dim_top_{p}",
            ]
        source = (
            f"(SELECT response_id, score, answered_items, top_box_items, mean, "
            f"dimension IN ({nps}) AS is_nps, CASE dimension {whens} END AS pos "
            f"FROM feedback_dimensionscore s WHERE {where_scores} OFFSET 0) s "
            "JOIN feedback_response r ON r.id = s.response_id"
        )
        nps_w = "s.is_nps"
        mean = "s.mean"
    cols += [
        f"count(*) FILTER (WHERE {nps_w} AND {mean} >= {facts.promoter_min}) AS promoters",
        f"count(*) FILTER (WHERE {nps_w} AND {mean} <= {facts.detractor_max}) AS detractors",
    ]
    return (
        "SELECT r.clinic_id, r.local_date, COALESCE(r.provider_id, 0) AS provider_id, "
        f"r.visit_type, r.channel, r.language, {', '.join(cols)} FROM {source} "
        f"WHERE {where} GROUP BY r.clinic_id, r.local_date, COALESCE(r.provider_id, 0), "
        "r.visit_type, r.channel, r.language"
    )


def top_box_condition(item: str, top_values: dict, alias: str = "r") -> str:
    """As rollup_queries._top_box_q: the scored value's top box, per instrument version."""

    def is_value(value):
        return f"{alias}.answers -> {q(item)} = {q(str(value))}::jsonb"

    if len(top_values) == 1:
        return is_value(next(iter(top_values)))
    return (
        "("
        + " OR ".join(
            f"({is_value(v)} AND {alias}.instrument_id IN ({', '.join(map(str, ids))}))"
            for v, ids in top_values.items()
        )
        + ")"
    )


def item_aggregates(facts, layout: Layout, alias: str = "r") -> list[str]:
    cols = []
    for p, item in enumerate(layout.items):
        top = top_box_condition(item, facts.item_top_values[item], alias)
        cols += [
            f"count(*) FILTER (WHERE {alias}.answers ? {q(item)}) AS item_answers_{p}",
            f"count(*) FILTER (WHERE {top}) AS item_top_{p}",
        ]
    return cols


def items_sql(facts, layout: Layout, where: str = "TRUE", how: str = "filter") -> str:
    """Responses and item answer counts per fine bucket, one GROUP BY over the responses.

    filter: two JSON lookups per item and response (answers ? item, answers -> item = top), as
    rollup_queries; record: the answers unpacked once per response by jsonb_to_record into
    integer columns (the same counts while answers hold integers, which scoring requires).
    """
    if how == "filter":
        aggregates, source = item_aggregates(facts, layout), "feedback_response r"
    else:

        def qi(name):
            return '"' + name.replace('"', '""') + '"'

        record = ", ".join(f"{qi(item)} int" for item in layout.items)
        aggregates = []
        for p, item in enumerate(layout.items):
            tops = facts.item_top_values[item]
            if len(tops) == 1:
                top = f"a.{qi(item)} = {next(iter(tops))}"
            else:
                top = (
                    "("
                    + " OR ".join(
                        f"(a.{qi(item)} = {v} AND r.instrument_id IN ({', '.join(map(str, ids))}))"
                        for v, ids in tops.items()
                    )
                    + ")"
                )
            aggregates += [
                f"count(a.{qi(item)}) AS item_answers_{p}",
                f"count(*) FILTER (WHERE {top}) AS item_top_{p}",
            ]
        source = f"feedback_response r CROSS JOIN LATERAL jsonb_to_record(r.answers) AS a({record})"
    return (
        "SELECT r.clinic_id, r.local_date, COALESCE(r.provider_id, 0) AS provider_id, "
        "r.visit_type, r.channel, r.language, count(*) AS responses, "
        f"{', '.join(aggregates)} FROM {source} "
        f"WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6"
    )


def fused_sql(facts, layout: Layout, where: str = "TRUE") -> str:
    """Responses, item counts and dimension statistics in one GROUP BY over the responses.

    The scores are first pivoted to one row per response (a GROUP BY response_id over the scores
    table, which the unique (response_id, dimension) index delivers in order), then joined.
    """
    nps = ", ".join(q(d) for d in facts.nps_dimensions)
    per_response = []
    for p, dim in enumerate(layout.dims):
        w = f"FILTER (WHERE dimension = {q(dim)})"
        per_response += [
            f"max(score) {w} AS sc_{p}",
            f"max(answered_items) {w} AS an_{p}",
            f"max(top_box_items) {w} AS tb_{p}",
        ]
    per_response += [
        f"count(*) FILTER (WHERE dimension IN ({nps}) AND mean >= {facts.promoter_min}) AS pro",
        f"count(*) FILTER (WHERE dimension IN ({nps}) AND mean <= {facts.detractor_max}) AS det",
    ]
    cols = ["count(*) AS responses", *item_aggregates(facts, layout)]
    for p in range(len(layout.dims)):
        cols += [
            f"count(d.sc_{p}) AS dim_n_{p}",
            f"sum(d.sc_{p}) AS dim_sum_{p}",
            f"sum(d.sc_{p} * d.sc_{p}) AS dim_sumsq_{p}",
            f"sum(d.an_{p}) AS dim_answered_{p}",
            f"sum(d.tb_{p}) AS dim_top_{p}",
        ]
    cols += ["sum(d.pro) AS promoters", "sum(d.det) AS detractors"]
    return (
        "SELECT r.clinic_id, r.local_date, COALESCE(r.provider_id, 0) AS provider_id, "
        f"r.visit_type, r.channel, r.language, {', '.join(cols)} "
        "FROM feedback_response r LEFT JOIN ("
        f"SELECT response_id, {', '.join(per_response)} FROM feedback_dimensionscore "
        "GROUP BY response_id) d ON d.response_id = r.id "
        f"WHERE {where} GROUP BY 1, 2, 3, 4, 5, 6"
    )


def invitations_sql(where: str = "TRUE") -> str:
    """As rollup_queries._response_counts_sql's invitation half."""
    return (
        "SELECT v.clinic_id, i.sent_local_date AS local_date, "
        "COALESCE(v.provider_id, 0) AS provider_id, v.visit_type, i.channel, i.language, "
        "count(*) AS invitations_sent, count(*) FILTER (WHERE i.used_at IS NOT NULL) "
        "AS invitations_answered "
        "FROM feedback_invitation i JOIN feedback_visit v ON v.id = i.visit_id "
        f"WHERE i.sent_local_date IS NOT NULL AND {where} GROUP BY 1, 2, 3, 4, 5, 6"
    )


def merge_sql(
    layout: Layout, *, fused: bool, dims: str = TMP_DIMS, items: str = TMP_ITEMS, inv: str = TMP_INV
) -> str:
    """The fine rows: responses (+ items, + dimensions when fused) FULL JOIN invitations."""
    keys = ", ".join(KEY_FINE)

    def expr(name, p):
        column = Layout.flat(name, p)
        if name in ("invitations_sent", "invitations_answered"):
            return f"COALESCE(v.{column}, 0)"
        if name.startswith("item_") or name == "responses" or fused:
            return f"COALESCE(t.{column}, 0)"
        return f"COALESCE(d.{column}, 0)"

    dims_join = "" if fused else f" LEFT JOIN {dims} d USING ({keys})"
    return (
        f"SELECT clinic_id, local_date, NULLIF(provider_id, 0) AS provider_id, visit_type, "
        f"channel, language, {layout.store(expr)} "
        f"FROM {items} t FULL JOIN {inv} v USING ({keys}){dims_join} "
        "ORDER BY 1, 2, 3 NULLS FIRST, 4, 5, 6"  # provider NULL (0) first, as the index
    )


def coarse_sql(layout: Layout, source: str, keys, where: str = "TRUE") -> str:
    """A coarser grain: the finer wide rows summed element-wise, in key order."""

    def expr(name, p):
        kind = "float8" if name in ("dim_sum", "dim_sumsq") else "int"
        return f"sum({layout.ref('w', name, p)})::{kind}"

    key_list = ", ".join(keys)
    return (
        f"SELECT {key_list}, {layout.store(expr)} FROM {source} w WHERE {where} "
        f"GROUP BY {key_list} ORDER BY {order_by(keys)}"
    )


def create_table(cursor, table: str, keys, layout: Layout) -> None:
    types = {
        "clinic_id": "bigint NOT NULL",
        "local_date": "date NOT NULL",
        "provider_id": "bigint",
        "visit_type": "varchar(32) NOT NULL",
        "channel": "varchar(8) NOT NULL",
        "language": "varchar(8) NOT NULL",
    }
    columns = [f"{k} {types[k]}" for k in keys] + layout.ddl()
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    if STATS_KEYS_ONLY:
        # Only the key columns are ever filtered or grouped on: no statistics on the ~60 value
        # columns, which ANALYZE (and autovacuum's) would otherwise compute for nothing.
        values = (
            [Layout.flat(n, p) for n, p, _ in layout.stats()]
            if layout.kind == "columns"
            else [n for n, _, _ in layout.groups]
        )
        cursor.execute(
            f"ALTER TABLE {table} "
            + ", ".join(f"ALTER COLUMN {v} SET STATISTICS 0" for v in values)
        )


# --- the run -------------------------------------------------------------------------------


class Clock:
    def __init__(self):
        self.steps: list[tuple[str, float]] = []

    def run(self, label: str, cursor, sql: str, params=None) -> float:
        started = time.perf_counter()
        cursor.execute(sql, params)
        elapsed = time.perf_counter() - started
        rows = cursor.rowcount
        self.steps.append((label, elapsed))
        print(
            f"      {label:<44} {elapsed:7.2f} s  {rows if rows and rows > 0 else ''}", flush=True
        )
        return elapsed


def parallel(*jobs):
    """Run each job (a callable taking a connection) on its own connection, side by side."""

    def run(job):
        conn = connect()
        try:
            return job(conn)
        finally:
            conn.close()

    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(run, job) for job in jobs]
    return [f.result() for f in futures]


def phase(label: str, *jobs) -> float:
    print(f"  {label}", flush=True)
    started = time.perf_counter()
    parallel(*jobs)
    elapsed = time.perf_counter() - started
    print(f"  {'':<2}{'-> ' + label:<48} {elapsed:7.2f} s (wall)", flush=True)
    return elapsed


def tables_create(layout: Layout, conn) -> None:
    with conn.cursor() as c:
        for t in ALL_TABLES:
            c.execute(f"DROP TABLE IF EXISTS {t}")
        create_table(c, FINE, KEY_FINE, layout)
        create_table(c, DAY, KEY_DAY, layout)
        create_table(c, CLINIC_DAY, KEY_CLINIC_DAY, layout)


def wide_rebuild(facts, layout: Layout, fine: str, dims_how: str) -> list[tuple[str, float]]:
    clock = Clock()
    walls = []

    walls.append(("create tables", phase("create tables", partial(tables_create, layout))))

    # Phase 1: the GROUP BYs over the raw rows, on two connections.
    def job_dims(conn):
        with conn.cursor() as c:
            clock.run(
                "A: GROUP BY scores x responses -> t_dims",
                c,
                f"CREATE UNLOGGED TABLE {TMP_DIMS} AS {dims_sql(facts, layout, dims_how)}",
            )

    def job_items(conn):
        with conn.cursor() as c:
            clock.run(
                "B: GROUP BY responses (items) -> t_items",
                c,
                f"CREATE UNLOGGED TABLE {TMP_ITEMS} AS {items_sql(facts, layout)}",
            )
            clock.run(
                "B: GROUP BY invitations x visits -> t_inv",
                c,
                f"CREATE UNLOGGED TABLE {TMP_INV} AS {invitations_sql()}",
            )

    def job_fused(conn):
        with conn.cursor() as c:
            clock.run(
                "A: GROUP BY responses x per-response scores",
                c,
                f"CREATE UNLOGGED TABLE {TMP_ITEMS} AS {fused_sql(facts, layout)}",
            )

    def job_inv(conn):
        with conn.cursor() as c:
            clock.run(
                "B: GROUP BY invitations x visits -> t_inv",
                c,
                f"CREATE UNLOGGED TABLE {TMP_INV} AS {invitations_sql()}",
            )

    if fine == "split":
        walls.append(("raw GROUP BYs", phase("raw GROUP BYs (2 connections)", job_dims, job_items)))
    else:
        walls.append(("raw GROUP BYs", phase("raw GROUP BYs (2 connections)", job_fused, job_inv)))

    # Phase 2: join them into the fine table, in key order.
    def job_merge(conn):
        with conn.cursor() as c:
            clock.run(
                "A: INSERT fine (join, ORDER BY key)",
                c,
                f"INSERT INTO {FINE} {merge_sql(layout, fused=fine == 'fused')}",
            )
            for t in (TMP_DIMS, TMP_ITEMS, TMP_INV):
                c.execute(f"DROP TABLE IF EXISTS {t}")

    walls.append(("fine load", phase("fine table load", job_merge)))

    # Phase 3: index the fine table | sum the day and clinic-day tables and index them.
    def job_fine_index(conn):
        with conn.cursor() as c:
            clock.run("A: unique index fine", c, unique_index(FINE, KEY_FINE))
            clock.run("A: ANALYZE fine", c, f"ANALYZE {FINE}")

    def job_coarse(conn):
        with conn.cursor() as c:
            clock.run(
                "B: INSERT day (sum fine)",
                c,
                f"INSERT INTO {DAY} {coarse_sql(layout, FINE, KEY_DAY)}",
            )
            clock.run("B: unique index day", c, unique_index(DAY, KEY_DAY))
            clock.run(
                "B: INSERT clinic-day (sum day)",
                c,
                f"INSERT INTO {CLINIC_DAY} {coarse_sql(layout, DAY, KEY_CLINIC_DAY)}",
            )
            clock.run("B: unique index clinic-day", c, unique_index(CLINIC_DAY, KEY_CLINIC_DAY))
            clock.run("B: ANALYZE day, clinic-day", c, f"ANALYZE {DAY}, {CLINIC_DAY}")

    walls.append(
        ("index + coarse", phase("index fine | day + clinic-day", job_fine_index, job_coarse))
    )
    return walls


def split_halves(cursor, how: str) -> tuple[list[dict], float]:
    """Two disjoint sets of buckets, one per connection, as WHERE clauses on each source.

    clinic: clinic_id % 2 (the scores have no clinic: each half scans and probes all of them).
    date: local_date before / from the responses' median date; the scores are pre-filtered by
    the id range of each half's responses (ids grow with submission time, so the ranges barely
    overlap; the join's date condition keeps the halves exact whatever the ids).
    """
    started = time.perf_counter()
    if how == "clinic":
        halves = [
            {
                "r": f"r.clinic_id % 2 = {k}",
                "s": "TRUE",
                "i": f"v.clinic_id % 2 = {k}",
                "w": f"w.clinic_id % 2 = {k}",
            }
            for k in (0, 1)
        ]
        return halves, time.perf_counter() - started
    cursor.execute(
        "SELECT local_date FROM feedback_response WHERE id >= "
        "(SELECT (min(id) + max(id)) / 2 FROM feedback_response) ORDER BY id LIMIT 1"
    )
    (middle,) = cursor.fetchone()
    cursor.execute(
        "SELECT max(id) FILTER (WHERE local_date < %s), "
        "min(id) FILTER (WHERE local_date >= %s) FROM feedback_response",
        [middle, middle],
    )
    last_before, first_from = cursor.fetchone()
    d = q(middle.isoformat())
    halves = [
        {
            "r": f"r.local_date < {d}",
            "s": f"s.response_id <= {last_before or 0}",
            "i": f"i.sent_local_date < {d}",
            "w": f"w.local_date < {d}",
        },
        {
            "r": f"r.local_date >= {d}",
            "s": f"s.response_id >= {first_from or 0}",
            "i": f"i.sent_local_date >= {d}",
            "w": f"w.local_date >= {d}",
        },
    ]
    elapsed = time.perf_counter() - started
    print(
        f"  split at local_date {middle} (score ids <= {last_before} | >= {first_from}): "
        f"{elapsed:.2f} s",
        flush=True,
    )
    return halves, elapsed


def wide_rebuild_halves(
    facts,
    layout: Layout,
    *,
    split: str,
    dims_how: str,
    items_how: str,
    merge_work_mem: str,
    merge_join: str,
    materialize: bool = True,
) -> list[tuple[str, float]]:
    """Each of the 2 connections runs the whole fine pipeline for its half of the buckets.

    The halves are disjoint sets of buckets (split_halves), so each connection groups its
    scores, responses and invitations into TEMPORARY tables (no WAL, no cross-connection
    dependency) and inserts its fine rows, sorted, into the one fine table. Then each sums its
    half's day rows from the fine table; A then indexes and analyzes the fine table while B
    (once A's day rows are in) indexes the day table, sums the clinic-day one, indexes and
    analyzes them.
    """
    import threading

    clock = Clock()
    walls = []

    walls.append(("create tables", phase("create tables", partial(tables_create, layout))))
    holder = {}

    def job_split(conn):
        with conn.cursor() as c:
            holder["halves"], _ = split_halves(c, split)

    walls.append(("split point", phase("split point", job_split)))
    halves = holder["halves"]

    def half(k: int):
        tag, where = "AB"[k], halves[k]

        def job(conn):
            if not materialize:
                return job_one_statement(conn)
            with conn.cursor() as c:
                clock.run(
                    f"{tag}: GROUP BY scores x responses -> temp",
                    c,
                    "CREATE TEMPORARY TABLE t_dims AS "
                    + dims_sql(facts, layout, dims_how, where["r"], where["s"]),
                )
                clock.run(
                    f"{tag}: GROUP BY responses (items) -> temp",
                    c,
                    "CREATE TEMPORARY TABLE t_items AS "
                    + items_sql(facts, layout, where["r"], how=items_how),
                )
                clock.run(
                    f"{tag}: GROUP BY invitations x visits -> temp",
                    c,
                    f"CREATE TEMPORARY TABLE t_inv AS {invitations_sql(where['i'])}",
                )
                c.execute(f"SET work_mem = {q(merge_work_mem)}")
                if merge_join == "hash":
                    # Hash joins and one sort of the joined rows, rather than the planner's
                    # sort of every input for merge joins (then the output sorted again).
                    c.execute("SET enable_mergejoin = off")
                clock.run(
                    f"{tag}: INSERT fine (join, ORDER BY key)",
                    c,
                    f"INSERT INTO {FINE} "
                    + merge_sql(layout, fused=False, dims="t_dims", items="t_items", inv="t_inv"),
                )
                c.execute("RESET work_mem")
                c.execute("RESET enable_mergejoin")
                c.execute("DROP TABLE t_dims, t_items, t_inv")

        def job_one_statement(conn):
            # The three GROUP BYs as subqueries of the one INSERT: nothing written in between.
            with conn.cursor() as c:
                c.execute(f"SET work_mem = {q(merge_work_mem)}")
                if merge_join == "hash":
                    c.execute("SET enable_mergejoin = off")
                dims = dims_sql(facts, layout, dims_how, where["r"], where["s"])
                items = items_sql(facts, layout, where["r"], how=items_how)
                clock.run(
                    f"{tag}: INSERT fine (3 GROUP BYs, join, ORDER BY)",
                    c,
                    f"INSERT INTO {FINE} "
                    + merge_sql(
                        layout,
                        fused=False,
                        dims=f"({dims})",
                        items=f"({items})",
                        inv=f"({invitations_sql(where['i'])})",
                    ),
                )
                c.execute("RESET work_mem")
                c.execute("RESET enable_mergejoin")

        return job

    walls.append(
        (
            "fine (2 halves)",
            phase(f"fine rows, one half ({split}) per connection", half(0), half(1)),
        )
    )
    a_day_done = threading.Event()

    def job_a(conn):
        with conn.cursor() as c:
            try:
                clock.run(
                    "A: INSERT day half (sum fine)",
                    c,
                    f"INSERT INTO {DAY} " + coarse_sql(layout, FINE, KEY_DAY, halves[0]["w"]),
                )
            finally:
                a_day_done.set()
            clock.run("A: unique index fine", c, unique_index(FINE, KEY_FINE))
            clock.run("A: ANALYZE fine", c, f"ANALYZE {FINE}")

    def job_b(conn):
        with conn.cursor() as c:
            clock.run(
                "B: INSERT day half (sum fine)",
                c,
                f"INSERT INTO {DAY} " + coarse_sql(layout, FINE, KEY_DAY, halves[1]["w"]),
            )
            a_day_done.wait()
            clock.run("B: unique index day", c, unique_index(DAY, KEY_DAY))
            clock.run(
                "B: INSERT clinic-day (sum day)",
                c,
                f"INSERT INTO {CLINIC_DAY} {coarse_sql(layout, DAY, KEY_CLINIC_DAY)}",
            )
            clock.run("B: unique index clinic-day", c, unique_index(CLINIC_DAY, KEY_CLINIC_DAY))
            clock.run("B: ANALYZE day, clinic-day", c, f"ANALYZE {DAY}, {CLINIC_DAY}")

    walls.append(
        ("coarse + indexes", phase("day halves | fine index, day index, clinic-day", job_a, job_b))
    )
    return walls


# --- correctness -------------------------------------------------------------------------------


def check(cursor, layout: Layout) -> bool:
    """Per clinic: the wide tables' sums against the current tables' sums, every statistic."""
    ok = True
    grains = [
        (FINE, "analytics_responserollup", "analytics_dimensionrollup", "analytics_itemrollup"),
        (
            DAY,
            "analytics_responsedayrollup",
            "analytics_dimensiondayrollup",
            "analytics_itemdayrollup",
        ),
        (
            CLINIC_DAY,
            "analytics_responseclinicdayrollup",
            "analytics_dimensionclinicdayrollup",
            "analytics_itemclinicdayrollup",
        ),
    ]
    dim_stats = [
        ("dim_n", "n"),
        ("dim_sum", "score_sum"),
        ("dim_sumsq", "score_sumsq"),
        ("dim_answered", "answered_items"),
        ("dim_top", "top_box_items"),
    ]
    for wide, responses, dimensions, items in grains:
        problems = 0
        compared = 0
        # Row counts: one wide row per bucket the response rollup has.
        cursor.execute(f"SELECT (SELECT count(*) FROM {wide}), (SELECT count(*) FROM {responses})")
        n_wide, n_current = cursor.fetchone()
        if n_wide != n_current:
            print(f"    {wide}: {n_wide} rows, {responses} {n_current}")
            problems += 1
        # Responses and invitations.
        cols = ("responses", "invitations_sent", "invitations_answered")
        cursor.execute(
            f"SELECT clinic_id, {', '.join(f'sum({c})' for c in cols)} FROM {wide} "
            "GROUP BY 1 ORDER BY 1"
        )
        got = cursor.fetchall()
        cursor.execute(
            f"SELECT clinic_id, {', '.join(f'sum({c})' for c in cols)} FROM {responses} "
            "GROUP BY 1 ORDER BY 1"
        )
        want = cursor.fetchall()
        compared += len(want) * len(cols)
        if got != want:
            print(f"    {wide}: response counts differ")
            problems += 1
        # Dimensions: per clinic and dimension, every statistic; NPS promoters/detractors.
        sums = ", ".join(
            f"sum({layout.ref('w', g, p)})" for p in range(len(layout.dims)) for g, _ in dim_stats
        )
        cursor.execute(
            f"SELECT clinic_id, {sums}, sum(w.promoters), sum(w.detractors) "
            f"FROM {wide} w GROUP BY 1 ORDER BY 1"
        )
        wide_rows = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT clinic_id, dimension, {', '.join(f'sum({c})' for _, c in dim_stats)}, "
            f"sum(promoters), sum(detractors) FROM {dimensions} GROUP BY 1, 2"
        )
        current = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}
        width = len(dim_stats)
        for clinic, values in wide_rows.items():
            promoters = detractors = 0
            for p, dim in enumerate(layout.dims):
                want = current.get((clinic, dim), (0,) * (width + 2))
                got = values[p * width : (p + 1) * width]
                promoters += want[width]
                detractors += want[width + 1]
                for (g, _), a, b in zip(dim_stats, got, want, strict=False):
                    compared += 1
                    if g in ("dim_sum", "dim_sumsq"):
                        if abs(a - b) > 1e-6 * max(abs(b), 1.0):
                            problems += 1
                            print(f"    {wide} clinic {clinic} {dim} {g}: {a} != {b}")
                    elif a != b:
                        problems += 1
                        print(f"    {wide} clinic {clinic} {dim} {g}: {a} != {b}")
            compared += 2
            if (values[-2], values[-1]) != (promoters, detractors):
                problems += 1
                print(f"    {wide} clinic {clinic} NPS: {values[-2:]} != {(promoters, detractors)}")
        if set(wide_rows) != {c for c, _ in current}:
            problems += 1
            print(f"    {wide}: clinics differ")
        # Items.
        sums = ", ".join(
            f"sum({layout.ref('w', g, p)})"
            for p in range(len(layout.items))
            for g in ("item_answers", "item_top")
        )
        cursor.execute(f"SELECT clinic_id, {sums} FROM {wide} w GROUP BY 1 ORDER BY 1")
        wide_rows = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT clinic_id, item, sum(answers), sum(top_box) FROM {items} GROUP BY 1, 2"
        )
        current = {(row[0], row[1]): row[2:] for row in cursor.fetchall()}
        for clinic, values in wide_rows.items():
            for p, item in enumerate(layout.items):
                want = tuple(current.get((clinic, item), (0, 0)))
                got = tuple(values[2 * p : 2 * p + 2])
                compared += 2
                if got != want:
                    problems += 1
                    print(f"    {wide} clinic {clinic} {item}: {got} != {want}")
        print(
            f"    {wide:<22} vs current: {n_wide:,} rows vs {n_current:,}; "
            f"{compared:,} per-clinic sums compared, {problems} mismatches"
        )
        ok = ok and problems == 0
    return ok


# --- the dashboard-like read --------------------------------------------------------------------

READ_WHERE = "clinic_id = ANY(%s) AND local_date BETWEEN '2025-01-01' AND '2025-12-31'"


def reads(cursor, layout: Layout, clinics: list[int], repeat: int = 15) -> dict[str, float]:
    """Per clinic totals of every dimension statistic over 365 days, 20 clinics (median ms)."""
    stats = ("dim_n", "dim_sum", "dim_sumsq", "dim_answered", "dim_top")
    wide = (
        "SELECT clinic_id, sum(responses), "
        + ", ".join(f"sum({layout.ref('w', g, p)})" for p in range(len(layout.dims)) for g in stats)
        + f", sum(promoters), sum(detractors) FROM {CLINIC_DAY} w WHERE {READ_WHERE} "
        "GROUP BY clinic_id"
    )
    current = (
        "SELECT clinic_id, dimension, sum(n), sum(score_sum), sum(score_sumsq), "
        "sum(answered_items), sum(top_box_items), sum(promoters), sum(detractors) "
        f"FROM analytics_dimensionclinicdayrollup WHERE {READ_WHERE} "
        "GROUP BY clinic_id, dimension"
    )
    results = {}
    cursor.execute("RESET ALL")
    for label, sql in (("wide clinic-day", wide), ("analytics_dimensionclinicdayrollup", current)):
        cursor.execute(sql, [clinics])
        rows = cursor.fetchall()  # warm
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, [clinics])
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        results[label] = statistics.median(timings)
        print(
            f"    read {label:<36} {statistics.median(timings):7.2f} ms median "
            f"(min {min(timings):.2f}) over {repeat}; {len(rows)} rows"
        )
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {wide}", [clinics])
    plan = [r[0] for r in cursor.fetchall()]
    print(
        "      wide plan: "
        + " | ".join(
            line.strip()
            for line in plan
            if "Scan" in line or "Buffers" in line or "Execution" in line
        )[:400]
    )
    return results


def ensure_data() -> tuple[object, list[str], list[str]]:
    import django

    django.setup()
    from django.db import connection

    from analytics.rollups import queries as rollup_queries
    from feedback.models import DimensionScore, Invitation, Response
    from feedback.scoring import nps_class
    from feedback.services import instrument_current, instrument_definition

    responses = Response.objects.count()
    if responses != 1_000_000:
        sys.exit(f"cp_bench holds {responses:,} responses: run bench/rollups.py first")
    if not Invitation.objects.exists():
        from dashboard import invitations_generate

        started = time.perf_counter()
        with connection.cursor() as cursor:
            invitations_generate(cursor)
        print(f"invitations generated in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(invitations_sent) FROM analytics_responserollup")
        (rolled,) = cursor.fetchone()
    invitations = Invitation.objects.exclude(sent_local_date=None).count()
    if (rolled or 0) != invitations:
        # The current rollups predate the invitations: rebuild them once (for the check only).
        from analytics.rollups.services import rollups_rebuild

        started = time.perf_counter()
        rollups_rebuild()
        print(
            f"current rollups rebuilt (invitations included) in "
            f"{time.perf_counter() - started:.1f} s"
        )
    print(
        f"responses {responses:,}, scores {DimensionScore.objects.count():,}, "
        f"invitations {invitations:,}"
    )
    facts = rollup_queries.scoring_facts()
    # Fixed positions: the current instrument's order (a later version's new dimension or item
    # would take the next position).
    definition = instrument_definition(instrument_current())
    dims = [d.id for d in definition.dimensions]
    items = [i.id for i in definition.items]
    assert set(items) == set(facts.item_top_values), "items of older versions need positions"
    promoter_min = min(v for v in range(11) if nps_class(v) == "promoter")
    detractor_max = max(v for v in range(11) if nps_class(v) == "detractor")

    class Facts:
        pass

    f = Facts()
    f.nps_dimensions = facts.nps_dimensions
    f.item_top_values = facts.item_top_values
    f.promoter_min, f.detractor_max = promoter_min, detractor_max
    connection.close()
    return f, dims, items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layout", choices=("columns", "arrays"), default="columns")
    parser.add_argument(
        "--fine",
        choices=("bydate", "byclinic", "split", "fused"),
        default="bydate",
        help="bydate/byclinic: each connection builds the fine rows of half "
        "the buckets; split/fused: the GROUP BYs side by side, then one join",
    )
    parser.add_argument("--items", choices=("filter", "record"), default="record")
    parser.add_argument("--merge-join", choices=("hash", "planner"), default="hash")
    parser.add_argument(
        "--one-statement",
        action="store_true",
        help="bydate/byclinic: each half's fine rows in one INSERT ... SELECT, "
        "the GROUP BYs as subqueries (no temporary tables)",
    )
    parser.add_argument(
        "--merge-work-mem",
        default="1GB",
        help="work_mem of the fine rows' join + sort (bydate/byclinic)",
    )
    parser.add_argument("--dims", choices=("filter", "case"), default="case")
    parser.add_argument("--keep", action="store_true", help="keep the prototype tables")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--print-sql", action="store_true")
    parser.add_argument(
        "--all-stats",
        action="store_true",
        help="ANALYZE every column (default: statistics on the key columns only)",
    )
    args = parser.parse_args()
    global STATS_KEYS_ONLY
    STATS_KEYS_ONLY = not args.all_stats

    facts, dims, items = ensure_data()
    layout = Layout(args.layout, dims, items)
    if args.print_sql:
        print(dims_sql(facts, layout, args.dims) + ";\n")
        print(items_sql(facts, layout, how=args.items) + ";\n")
        print(fused_sql(facts, layout) + ";\n")
        print(invitations_sql() + ";\n")
        print(merge_sql(layout, fused=args.fine == "fused") + ";\n")
        print(coarse_sql(layout, FINE, KEY_DAY) + ";\n")
        return
    print(
        f"variant: layout={args.layout} fine={args.fine} dims={args.dims} "
        f"items={args.items} merge_work_mem={args.merge_work_mem} "
        f"merge_join={args.merge_join} stats={'all' if args.all_stats else 'keys only'} "
        f"one_statement={args.one_statement}"
    )
    conn = connect(loading=False)
    cursor = conn.cursor()
    cursor.execute("RESET ALL")  # (a) exactly as bench/rollups.py: its two settings only
    cursor.execute("SET work_mem = '256MB'")
    cursor.execute("SET jit = off")
    plain_group_by(cursor)  # warm
    started = time.perf_counter()
    plain_group_by(cursor)
    plain = time.perf_counter() - started
    print(f"(a) plain GROUP BY {plain:8.2f} s")

    started = time.perf_counter()
    if args.fine in ("bydate", "byclinic"):
        walls = wide_rebuild_halves(
            facts,
            layout,
            split=args.fine[2:],
            dims_how=args.dims,
            items_how=args.items,
            merge_work_mem=args.merge_work_mem,
            merge_join=args.merge_join,
            materialize=not args.one_statement,
        )
    else:
        walls = wide_rebuild(facts, layout, args.fine, args.dims)
    total = time.perf_counter() - started
    print(f"wide rebuild total {total:8.2f} s  = {total / plain:.2f} x (a)  (target <= 3)")
    print("  phases (wall): " + ", ".join(f"{label} {s:.2f}" for label, s in walls))
    cursor.execute(
        f"SELECT (SELECT count(*) FROM {FINE}), (SELECT count(*) FROM {DAY}), "
        f"(SELECT count(*) FROM {CLINIC_DAY}), pg_total_relation_size('{FINE}'), "
        f"pg_total_relation_size('{DAY}'), pg_total_relation_size('{CLINIC_DAY}')"
    )
    n_fine, n_day, n_cd, s_fine, s_day, s_cd = cursor.fetchone()
    print(
        f"  rows: fine {n_fine:,} ({s_fine / 2**20:.0f} MB), day {n_day:,} "
        f"({s_day / 2**20:.0f} MB), clinic-day {n_cd:,} ({s_cd / 2**20:.0f} MB)"
    )

    if not args.no_check:
        print("correctness (per clinic sums, wide vs current tables):")
        started = time.perf_counter()
        ok = check(cursor, layout)
        elapsed = time.perf_counter() - started
        print(f"  correctness: {'OK' if ok else 'MISMATCH'} ({elapsed:.1f} s)")
    print("dashboard-like read: 20 clinics x 365 days, per clinic totals of every dimension:")
    cursor.execute("SELECT id FROM feedback_clinic ORDER BY id")
    clinics = [row[0] for row in cursor.fetchall()]
    reads(cursor, layout, clinics)
    if not args.keep:
        for t in ALL_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {t}")
        print("prototype tables dropped")
    conn.close()


if __name__ == "__main__":
    main()

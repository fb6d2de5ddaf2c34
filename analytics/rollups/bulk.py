"""The bulk rollup rebuild (PostgreSQL): every table loaded fresh and swapped in at once.

At 1M responses the rollups are about as large as the raw data, and maintaining their indexes
row by row is what made a batched rebuild of a long range slow. The same SELECTs as a recompute
load bare staging tables on connections of their own, each table is indexed once, and one
transaction swaps them all in (analytics.rollups.tables), so a kill midway leaves the old
rollups whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.db import connection, transaction

from analytics.models import (
    DimensionRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseRollup,
)
from analytics.rollups.grains import COARSE_GRAINS, coarse_grains_insert
from analytics.rollups.queries import (
    ROLLUP_MODELS,
    item_rollups_load,
    rollups_load,
    scoring_facts,
)
from analytics.rollups.sources import RollupRows, SourceRows
from analytics.rollups.tables import (
    STAGING_SUFFIX,
    staging_table_create,
    staging_table_index,
    staging_table_swap,
    staging_tables_drop,
)
from analytics.rollups.versions import rollup_versions_bump
from feedback.models import Clinic

# Held shared by every batched recompute and exclusively by a bulk rebuild, whose new tables
# would otherwise drop what a drain wrote into the old ones meanwhile.
ROLLUPS_LOCK_KEY = 0x526F6C6C  # "Roll"

# Hash tables up to 256 MB before they spill; index sorts in memory. JIT only adds compile time
# to queries dominated by hashing and writing. No wait for the WAL flush at commit: the swap's
# commit comes after the loads' in the WAL, so a crash keeps all of them or drops the swap.
_BULK_SETTINGS = (
    "work_mem = '256MB'",
    "maintenance_work_mem = '512MB'",
    "synchronous_commit = off",
    "random_page_cost = 1.1",
    "jit = off",
)
# The bulk rebuild's loading connections: PostgreSQL runs no INSERT ... SELECT on more than one
# core, so independent tables are loaded and indexed side by side instead.
BULK_CONNECTIONS = 2


def _on_own_connection(job: Callable[[], None]) -> None:
    """Run ``job`` on this thread's own connection (autocommit), closed afterwards."""
    try:
        with connection.cursor() as cursor:
            for setting in _BULK_SETTINGS:
                cursor.execute(f"SET {setting}")
        job()
    finally:
        connection.close()


def _jobs_run(jobs: list[Callable[[], None]], *, parallel: bool) -> None:
    """Run ``jobs`` on BULK_CONNECTIONS connections of their own, or in order on this one.

    On their own connections each statement commits by itself: the rows a job loads are
    visible to the others, and to the swap.
    """
    if not parallel:
        for job in jobs:
            job()
        return
    with ThreadPoolExecutor(BULK_CONNECTIONS, thread_name_prefix="rollups-bulk") as pool:
        futures = [pool.submit(_on_own_connection, job) for job in jobs]
    for future in futures:
        future.result()


def rollups_rebuild_bulk(
    *,
    first: dt.date,
    last: dt.date,
    whole: bool,
    chunk_days: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Load first..last into fresh tables, index them, swap them in all at once.

    ``whole`` (no range asked for) means every row is rebuilt; otherwise the old rows outside
    the range are copied over first. The coarse tables are summed from the loaded fine ones (the
    day item rows of the range from the same per-bucket counts) and swapped in with them. The
    last progress call waits for the swap.

    This connection holds the rollups lock in one transaction from the start to the swap. The
    loads and index builds run on connections of their own and commit staging tables, which
    nothing reads until the swap; a kill before it leaves them for the next run to drop.
    Called inside a transaction, whose rows other connections cannot see, it does everything in
    that transaction instead, on this connection.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("the bulk rebuild swaps PostgreSQL tables")
    facts = scoring_facts()
    clinic_ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    total_days = (last - first).days + 1
    parallel = not connection.in_atomic_block
    quote = connection.ops.quote_name
    # The day item rows of the range come with the fine ones (item_rollups_load); the rest are
    # summed from the fine rows.
    summed_grains = [g for g in COARSE_GRAINS if g.summed_in_bulk]
    tables = {
        model: f"{model._meta.db_table}{STAGING_SUFFIX}"
        for model in (*ROLLUP_MODELS, *(grain.coarse for grain in COARSE_GRAINS))
    }

    def staging_create(model) -> None:
        with connection.cursor() as cursor:
            staging_table_create(cursor, table=model._meta.db_table)
            if not whole and model in ROLLUP_MODELS:
                columns = ", ".join(
                    quote(f.column) for f in model._meta.concrete_fields if not f.primary_key
                )
                cursor.execute(
                    f"INSERT INTO {quote(tables[model])} ({columns}) SELECT {columns} "
                    f"FROM {quote(model._meta.db_table)} WHERE local_date < %s OR local_date > %s",
                    [first, last],
                )

    def load(start: dt.date, end: dt.date, loader: Callable[..., None]) -> None:
        if whole and start == first and end == last:
            # One pass over everything: no range filter for the planner to weigh.
            source = SourceRows.everything()
        else:
            source = SourceRows.of_range(start, end, clinic_ids)
        loader(source=source, facts=facts, tables=tables)

    def index(model) -> None:
        with connection.cursor() as cursor:
            staging_table_index(cursor, table=model._meta.db_table, staging=tables[model])

    def day_item_rows_outside_sum() -> None:
        # Before any row of the range is loaded: the fine rows copied over are all there is.
        coarse_grains_insert(
            rows=RollupRows.everything(),
            tables=tables,
            grains=[g for g in COARSE_GRAINS if not g.summed_in_bulk],
        )

    def day_tables_finish() -> None:
        coarse_grains_insert(rows=RollupRows.everything(), tables=tables, grains=summed_grains)
        for grain in summed_grains:
            index(grain.coarse)

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Waits for running batched recomputes; drains skip while it is held.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUPS_LOCK_KEY])
            for setting in _BULK_SETTINGS:
                cursor.execute(f"SET LOCAL {setting}")
            _jobs_run([partial(staging_create, model) for model in tables], parallel=parallel)
            if not whole:
                _jobs_run([day_item_rows_outside_sum], parallel=parallel)
            done = 0
            while done < total_days:
                start = first + dt.timedelta(days=done)
                end = min(last, start + dt.timedelta(days=chunk_days - 1))
                _jobs_run(
                    [
                        partial(load, start, end, rollups_load),
                        partial(load, start, end, item_rollups_load),
                    ],
                    parallel=parallel,
                )
                done += (end - start).days + 1
                if progress is not None and done < total_days:
                    progress(done, total_days)
            # Longest first, so that neither connection is left with a long job at the end.
            _jobs_run(
                [
                    day_tables_finish,
                    *(
                        partial(index, model)
                        for model in (ItemRollup, DimensionRollup, ItemDayRollup, ResponseRollup)
                    ),
                ],
                parallel=parallel,
            )
            for model, staging in tables.items():
                staging_table_swap(cursor, table=model._meta.db_table, staging=staging)
            transaction.on_commit(rollup_versions_bump, robust=True)
    except BaseException:
        if parallel:  # the loads committed their staging tables; a rerun would drop them too
            with connection.cursor() as cursor:
                staging_tables_drop(cursor, tables=tables.values())
        raise
    if progress is not None:
        progress(total_days, total_days)

"""Rollup rebuilds: recompute bucket rows from the stored scores in SQL, never increment.

Each recompute deletes the rows of its buckets and inserts them again with one
INSERT ... SELECT ... GROUP BY per rollup table, inside one transaction, so running it twice, or
after a crash, leaves exactly what one clean run leaves. The SELECTs are built by the ORM, which
keeps them portable between PostgreSQL and SQLite (the demo), JSON key lookups included.
A rebuild of a long range on PostgreSQL loads the same SELECTs into fresh tables instead, on
connections of their own, and swaps them all in at once (analytics.rollup_tables): at 1M
responses the rollups are about as large as the raw data, and maintaining their indexes row by
row is what made the batched rebuild slow. Wherever fine rows are written, the coarse (day)
rollups of the same buckets are summed from them (or, in bulk, the day item rows from the same
per-bucket counts) and go live with them, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from analytics.dashboard.cache import dashboard_cache_invalidate
from analytics.day_rollups import DAY_ROLLUPS, day_rollups_insert
from analytics.models import (
    DimensionRollup,
    ItemDayRollup,
    ItemRollup,
    ResponseRollup,
)
from analytics.rollup_queries import (
    ROLLUP_MODELS,
    item_rollups_load,
    rollups_insert,
    rollups_load,
    scoring_facts,
)
from analytics.rollup_sources import Bucket, RollupRows, SourceRows
from analytics.rollup_tables import (
    STAGING_SUFFIX,
    staging_table_create,
    staging_table_index,
    staging_table_swap,
    staging_tables_drop,
)
from feedback.models import Clinic, DirtyBucket, Invitation, Response

DRAIN_BATCH_SIZE = 200
REBUILD_DAYS_PER_BATCH = 7
# A range at least this long is rebuilt by swapping in whole new tables (PostgreSQL only); the
# nightly 35-day reconcile and dirty buckets stay on the batched DELETE + INSERT.
BULK_MIN_DAYS = 90
# Held shared by every batched recompute and exclusively by a bulk rebuild, whose new tables
# would otherwise drop what a drain wrote into the old ones meanwhile.
ROLLUPS_LOCK_KEY = 0x526F6C6C  # "Roll"


def _recompute(*, rows: RollupRows, source: SourceRows, clinic_ids: Iterable[int]) -> None:
    """Replace the rollup ``rows`` from the ``source`` rows; callers hold the transaction."""
    facts = scoring_facts()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Waits while a bulk rebuild is swapping in new tables (see ROLLUPS_LOCK_KEY).
            cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [ROLLUPS_LOCK_KEY])
            # Enough memory for a batch's hash tables. And no wait for the WAL flush at commit:
            # a crash can lose only whole recent transactions, whose dirty rows come back with
            # them (or which a rerun of the rebuild redoes), never half of one.
            # INSERT ... SELECT runs without parallel workers, and the planner then preferred
            # hashing all scores (a full scan per batch) to the response_id index; at SSD/cache
            # page costs it takes the index. JIT costs more than it saves on batch-sized queries.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL random_page_cost = 1.1")
            cursor.execute("SET LOCAL jit = off")
            _months_lock(cursor, rows)
    for model in ROLLUP_MODELS:
        model.objects.filter(rows.days).delete()
    for rollup in DAY_ROLLUPS:
        rollup.coarse.objects.filter(rows.months if rollup.monthly else rows.days).delete()
    rollups_insert(source=source, facts=facts)
    day_rollups_insert(rows=rows)
    touched = sorted(set(clinic_ids))
    transaction.on_commit(lambda: dashboard_cache_invalidate(touched), robust=True)


def _months_lock(cursor, rows: RollupRows) -> None:
    """Wait for any other recompute of the same clinic-months to commit.

    A month row is shared by every day of its month, so two drains that claimed different days
    of it take turns: the second then replaces the month row the first inserted and sums the days
    the first committed, where it would otherwise insert a duplicate or miss them. Locks are taken
    in (clinic, month) order, so two recomputes never wait for each other in a cycle (the
    volatile lock calls run after the ORDER BY).
    """
    if not rows.clinic_months:
        return
    cursor.execute(
        "SELECT pg_advisory_xact_lock(clinic, month) "
        "FROM unnest(%s::int[], %s::int[]) AS locks(clinic, month) ORDER BY clinic, month",
        [[clinic_id for clinic_id, _ in rows.clinic_months],
         [first.year * 12 + first.month - 1 for _, first in rows.clinic_months]],
    )


def rollups_rebuild_for_buckets(*, buckets: Iterable[Bucket]) -> int:
    """Recompute the rollups of these (clinic id, local date) buckets; returns how many.

    One transaction per batch of buckets, so a long list never holds one huge transaction.
    """
    ordered = sorted(set(buckets))
    for start in range(0, len(ordered), DRAIN_BATCH_SIZE):
        batch = ordered[start : start + DRAIN_BATCH_SIZE]
        with transaction.atomic():
            _recompute(
                rows=RollupRows.of_buckets(batch),
                source=SourceRows.of_buckets(batch),
                clinic_ids=[clinic_id for clinic_id, _ in batch],
            )
    return len(ordered)


def rollups_rebuild_for_day(*, clinic_id: int, local_date: dt.date) -> None:
    rollups_rebuild_for_buckets(buckets=[(clinic_id, local_date)])


def dirty_buckets_drain(*, batch_size: int = DRAIN_BATCH_SIZE) -> int:
    """Recompute every dirty bucket and clear it; returns how many buckets were recomputed.

    Rows are claimed with SKIP LOCKED (PostgreSQL), so concurrent drains share the work and a
    submission still in flight (which holds its bucket's row) is left for the next drain. A row is
    deleted only if its marked_at did not change meanwhile, so a submission that marks the bucket
    during the recompute is never lost. While a bulk rebuild runs it returns at once, claiming
    nothing: waiting with claimed rows would stall submissions that mark the same buckets, and the
    next drain (every minute) finds them all.
    """
    drained = 0
    skip_locked = connection.features.has_select_for_update_skip_locked
    while True:
        with transaction.atomic():
            if not _bulk_rebuild_absent():
                return drained
            claimed = DirtyBucket.objects.order_by("marked_at", "pk")
            if skip_locked:
                claimed = claimed.select_for_update(skip_locked=True)
            rows = list(
                claimed.values_list("pk", "clinic_id", "local_date", "marked_at")[:batch_size]
            )
            if not rows:
                return drained
            buckets = [(clinic_id, local_date) for _, clinic_id, local_date, _ in rows]
            _recompute(
                rows=RollupRows.of_buckets(buckets),
                source=SourceRows.of_buckets(buckets),
                clinic_ids=[clinic_id for clinic_id, _ in buckets],
            )
            unchanged = Q(pk__in=[])
            for pk, _, _, marked_at in rows:
                unchanged |= Q(pk=pk, marked_at=marked_at)
            DirtyBucket.objects.filter(unchanged).delete()
        drained += len(rows)
        if len(rows) < batch_size:
            return drained


def _bulk_rebuild_absent() -> bool:
    """Take the shared rollups lock for this transaction unless a bulk rebuild holds it."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock_shared(%s)", [ROLLUPS_LOCK_KEY])
        return cursor.fetchone()[0]


def _date_span(
    since: dt.date | None, until: dt.date | None, *, rollups_too: bool = True
) -> tuple[dt.date, dt.date] | None:
    """The requested range, open ends filled from the data (responses, invitations sent and stale
    rollups alike).

    A whole bulk rebuild replaces every rollup row whatever its date, so it need not scan the
    rollup tables (millions of rows, no index leading with the date) for theirs.
    """
    if since is not None and until is not None:
        return since, until
    dated = [(Response, "local_date"), (Invitation, "sent_local_date")]
    if rollups_too:
        dated += [(model, "local_date") for model in ROLLUP_MODELS]
    bounds = [model.objects.aggregate(lo=Min(field), hi=Max(field)) for model, field in dated]
    lows = [b["lo"] for b in bounds if b["lo"] is not None]
    highs = [b["hi"] for b in bounds if b["hi"] is not None]
    if not lows:
        return None
    return since or min(lows), until or max(highs)


def rollups_rebuild(
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    days_per_batch: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    bulk: bool | None = None,
) -> int:
    """Recompute every rollup dated since..until (inclusive; open ends mean all data).

    ``bulk`` None chooses: on PostgreSQL a range of BULK_MIN_DAYS or more is rebuilt into new
    tables swapped in at the end, one transaction for all three, so a kill midway leaves the old
    rollups whole; otherwise it works through the range in batches of days, one transaction
    each, leaving whole batches, and rerunning it finishes the job. Either way memory stays
    bounded (the grouping is PostgreSQL's, which spills). ``days_per_batch`` is the batch (or, in
    bulk, the loading chunk: default the whole range); ``progress`` is called with (days done,
    days in total) after each. Returns the number of days.
    """
    whole = since is None and until is None
    if whole and bulk is not False and connection.vendor == "postgresql":
        span = _date_span(since, until, rollups_too=False)
        days = (span[1] - span[0]).days + 1 if span else 0
        if bulk or days >= BULK_MIN_DAYS:
            first, last = span or (timezone.now().date(),) * 2  # no responses: empty tables
            _rollups_rebuild_bulk(first=first, last=last, whole=True,
                                  chunk_days=days_per_batch or days or 1, progress=progress)
            return days
    span = _date_span(since, until)
    if span is None:
        return 0
    first, last = span
    if last < first:
        return 0
    total_days = (last - first).days + 1
    if bulk is None:
        bulk = connection.vendor == "postgresql" and total_days >= BULK_MIN_DAYS
    if bulk:
        _rollups_rebuild_bulk(first=first, last=last, whole=whole,
                              chunk_days=days_per_batch or total_days, progress=progress)
        return total_days
    days_per_batch = days_per_batch or REBUILD_DAYS_PER_BATCH
    clinic_ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    while done < total_days:
        start = first + dt.timedelta(days=done)
        end = min(last, start + dt.timedelta(days=days_per_batch - 1))
        with transaction.atomic():
            _recompute(
                rows=RollupRows.of_range(start, end, clinic_ids),
                source=SourceRows.of_range(start, end, clinic_ids),
                clinic_ids=clinic_ids,
            )
        done += (end - start).days + 1
        if progress is not None:
            progress(done, total_days)
    return total_days


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


def _rollups_rebuild_bulk(
    *, first: dt.date, last: dt.date, whole: bool, chunk_days: int,
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
    summed_day_rollups = [r for r in DAY_ROLLUPS if r.summed_in_bulk]
    tables = {model: f"{model._meta.db_table}{STAGING_SUFFIX}"
              for model in (*ROLLUP_MODELS, *(rollup.coarse for rollup in DAY_ROLLUPS))}

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
        day_rollups_insert(rows=RollupRows.everything(), tables=tables,
                           rollups=[r for r in DAY_ROLLUPS if not r.summed_in_bulk])

    def day_tables_finish() -> None:
        day_rollups_insert(rows=RollupRows.everything(), tables=tables,
                           rollups=summed_day_rollups)
        for rollup in summed_day_rollups:
            index(rollup.coarse)

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
                _jobs_run([partial(load, start, end, rollups_load),
                           partial(load, start, end, item_rollups_load)], parallel=parallel)
                done += (end - start).days + 1
                if progress is not None and done < total_days:
                    progress(done, total_days)
            # Longest first, so that neither connection is left with a long job at the end.
            _jobs_run([day_tables_finish, *(partial(index, model) for model in (
                ItemRollup, DimensionRollup, ItemDayRollup, ResponseRollup))], parallel=parallel)
            for model, staging in tables.items():
                staging_table_swap(cursor, table=model._meta.db_table, staging=staging)
            transaction.on_commit(dashboard_cache_invalidate, robust=True)
    except BaseException:
        if parallel:  # the loads committed their staging tables; a rerun would drop them too
            with connection.cursor() as cursor:
                staging_tables_drop(cursor, tables=tables.values())
        raise
    if progress is not None:
        progress(total_days, total_days)


def rollups_reconcile(*, days: int = 35) -> int:
    """Recompute the last ``days`` days against the raw data; returns the number of days.

    Catches anything a lost task or a broker outage left behind. Starts a day early because
    clinics west of UTC are still on the previous day.
    """
    since = timezone.now().date() - dt.timedelta(days=days + 1)
    return rollups_rebuild(since=since)

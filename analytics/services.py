"""Rollup rebuilds: recompute bucket rows from the stored scores in SQL, never increment.

Each recompute deletes the rows of its buckets and inserts them again with one
INSERT ... SELECT ... GROUP BY per rollup table, inside one transaction, so running it twice, or
after a crash, leaves exactly what one clean run leaves. The SELECTs are built by the ORM, which
keeps them portable between PostgreSQL and SQLite (the demo), JSON key lookups included.
A rebuild of a long range on PostgreSQL loads the same SELECTs into fresh tables instead and
swaps them in (analytics.rollup_tables): at 1M responses the rollups are about as large as the
raw data, and maintaining their indexes row by row is what made the batched rebuild slow.
Wherever fine rows are written, the coarse (day) rollups of the same buckets are summed from
them in the same transaction, so the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from analytics.dashboard.cache import dashboard_cache_invalidate
from analytics.models import ItemDayRollup
from analytics.rollup_queries import (
    DAY_ROLLUPS,
    ROLLUP_MODELS,
    Bucket,
    buckets_q,
    day_rollups_insert,
    range_q,
    rollups_insert,
    rollups_load,
    scoring_facts,
)
from analytics.rollup_tables import staging_table_create, staging_table_swap
from feedback.models import Clinic, DirtyBucket, Response

DRAIN_BATCH_SIZE = 200
REBUILD_DAYS_PER_BATCH = 7
# A range at least this long is rebuilt by swapping in whole new tables (PostgreSQL only); the
# nightly 35-day reconcile and dirty buckets stay on the batched DELETE + INSERT.
BULK_MIN_DAYS = 90
# Held shared by every batched recompute and exclusively by a bulk rebuild, whose new tables
# would otherwise drop what a drain wrote into the old ones meanwhile.
ROLLUPS_LOCK_KEY = 0x526F6C6C  # "Roll"


def _recompute(
    *, rollup_where: Q, response_where: Q, score_where: Q, clinic_ids: Iterable[int]
) -> None:
    """Replace the rollup rows selected by ``rollup_where``; callers hold the transaction."""
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
    for model in (*ROLLUP_MODELS, *(rollup.coarse for rollup in DAY_ROLLUPS)):
        model.objects.filter(rollup_where).delete()
    rollups_insert(response_where=response_where, score_where=score_where, facts=facts)
    day_rollups_insert(where=rollup_where)
    touched = sorted(set(clinic_ids))
    transaction.on_commit(lambda: dashboard_cache_invalidate(touched), robust=True)


def rollups_rebuild_for_buckets(*, buckets: Iterable[Bucket]) -> int:
    """Recompute the rollups of these (clinic id, local date) buckets; returns how many.

    One transaction per batch of buckets, so a long list never holds one huge transaction.
    """
    ordered = sorted(set(buckets))
    for start in range(0, len(ordered), DRAIN_BATCH_SIZE):
        batch = ordered[start : start + DRAIN_BATCH_SIZE]
        with transaction.atomic():
            _recompute(
                rollup_where=buckets_q(batch),
                response_where=buckets_q(batch),
                score_where=buckets_q(batch, prefix="response__"),
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
                rollup_where=buckets_q(buckets),
                response_where=buckets_q(buckets),
                score_where=buckets_q(buckets, prefix="response__"),
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
    """The requested range, open ends filled from the data (responses and stale rollups alike).

    A whole bulk rebuild replaces every rollup row whatever its date, so it need not scan the
    rollup tables (millions of rows, no index leading with the date) for theirs.
    """
    if since is not None and until is not None:
        return since, until
    models = (Response, *ROLLUP_MODELS) if rollups_too else (Response,)
    bounds = [model.objects.aggregate(lo=Min("local_date"), hi=Max("local_date"))
              for model in models]
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
                rollup_where=range_q(start, end, clinic_ids),
                response_where=range_q(start, end, clinic_ids),
                score_where=range_q(start, end, clinic_ids, prefix="response__"),
                clinic_ids=clinic_ids,
            )
        done += (end - start).days + 1
        if progress is not None:
            progress(done, total_days)
    return total_days


def _rollups_rebuild_bulk(
    *, first: dt.date, last: dt.date, whole: bool, chunk_days: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Load first..last into fresh tables, index them, swap them in: one transaction in all.

    ``whole`` (no range asked for) means every row is rebuilt; otherwise the old rows outside
    the range are copied over first. The coarse tables are summed from the loaded fine ones (the
    day item rows of the range from the same per-bucket counts) and swapped in with them. The
    last progress call waits for the swap.
    """
    if connection.vendor != "postgresql":
        raise NotImplementedError("the bulk rebuild swaps PostgreSQL tables")
    facts = scoring_facts()
    clinic_ids = list(Clinic.objects.order_by("pk").values_list("pk", flat=True))
    total_days = (last - first).days + 1
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Waits for running batched recomputes; drains skip while it is held.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUPS_LOCK_KEY])
        # Hash tables up to 256 MB before they spill; index sorts in memory; parallel index
        # builds. JIT only adds compile time to queries dominated by hashing and writing.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL random_page_cost = 1.1")
        cursor.execute("SET LOCAL jit = off")
        tables = {}
        for model in ROLLUP_MODELS:
            table = model._meta.db_table
            tables[model] = staging_table_create(cursor, table=table)
            if not whole:
                columns = ", ".join(
                    quote(f.column) for f in model._meta.concrete_fields if not f.primary_key
                )
                cursor.execute(
                    f"INSERT INTO {quote(tables[model])} ({columns}) SELECT {columns} "
                    f"FROM {quote(table)} WHERE local_date < %s OR local_date > %s",
                    [first, last],
                )
        # Every coarse row is summed again from the fine staging tables once they are loaded.
        for rollup in DAY_ROLLUPS:
            tables[rollup.coarse] = staging_table_create(
                cursor, table=rollup.coarse._meta.db_table
            )
        done = 0
        while done < total_days:
            start = first + dt.timedelta(days=done)
            end = min(last, start + dt.timedelta(days=chunk_days - 1))
            if whole and start == first and end == last:
                # One pass over everything: no range filter for the planner to weigh.
                response_where, score_where = Q(), Q()
            else:
                response_where = range_q(start, end, clinic_ids)
                score_where = range_q(start, end, clinic_ids, prefix="response__")
            rollups_load(response_where=response_where, score_where=score_where,
                         facts=facts, tables=tables)
            done += (end - start).days + 1
            if progress is not None and done < total_days:
                progress(done, total_days)
        # The day item rows of the range came with the fine ones; the rest are summed here.
        summed = [rollup for rollup in DAY_ROLLUPS if rollup.coarse is not ItemDayRollup]
        day_rollups_insert(where=Q(), tables=tables, rollups=summed)
        if not whole:
            day_rollups_insert(where=Q(local_date__lt=first) | Q(local_date__gt=last),
                               tables=tables,
                               rollups=[r for r in DAY_ROLLUPS if r not in summed])
        for model, staging in tables.items():
            staging_table_swap(cursor, table=model._meta.db_table, staging=staging)
        transaction.on_commit(dashboard_cache_invalidate, robust=True)
    if progress is not None:
        progress(total_days, total_days)


def rollups_reconcile(*, days: int = 35) -> int:
    """Recompute the last ``days`` days against the raw data; returns the number of days.

    Catches anything a lost task or a broker outage left behind. Starts a day early because
    clinics west of UTC are still on the previous day.
    """
    since = timezone.now().date() - dt.timedelta(days=days + 1)
    return rollups_rebuild(since=since)

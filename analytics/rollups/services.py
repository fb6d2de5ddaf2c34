"""Rollup rebuilds: recompute bucket rows from the stored scores in SQL, never increment.

Each recompute deletes the rows of its buckets and inserts them again with one
INSERT ... SELECT ... GROUP BY per rollup table, inside one transaction, so running it twice, or
after a crash, leaves exactly what one clean run leaves. The SELECTs are built by the ORM, which
keeps them portable between PostgreSQL and SQLite (the demo), JSON key lookups included.
A rebuild of a long range on PostgreSQL loads the same SELECTs into fresh tables instead and
swaps them in at once (analytics.rollups.bulk). Wherever fine rows are written, the coarse
rollups of the same buckets are summed from them and go live with them, so they never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from analytics.rollups.bulk import ROLLUPS_LOCK_KEY, rollups_rebuild_bulk
from analytics.rollups.grains import COARSE_GRAINS, coarse_grains_insert
from analytics.rollups.queries import ROLLUP_MODELS, rollups_insert, scoring_facts
from analytics.rollups.sources import Bucket, RollupRows, SourceRows
from analytics.rollups.versions import rollup_versions_bump
from feedback.models import Clinic, DirtyBucket, Invitation, Response

DRAIN_BATCH_SIZE = 200
REBUILD_DAYS_PER_BATCH = 7
# A range at least this long is rebuilt by swapping in whole new tables (PostgreSQL only); the
# nightly 35-day reconcile and dirty buckets stay on the batched DELETE + INSERT.
BULK_MIN_DAYS = 90


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
    for grain in COARSE_GRAINS:
        grain.coarse.objects.filter(rows.months if grain.monthly else rows.days).delete()
    rollups_insert(source=source, facts=facts)
    coarse_grains_insert(rows=rows)
    touched = sorted(set(clinic_ids))
    transaction.on_commit(lambda: rollup_versions_bump(touched), robust=True)


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
        [
            [clinic_id for clinic_id, _ in rows.clinic_months],
            [first.year * 12 + first.month - 1 for _, first in rows.clinic_months],
        ],
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
            rollups_rebuild_bulk(
                first=first,
                last=last,
                whole=True,
                chunk_days=days_per_batch or days or 1,
                progress=progress,
            )
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
        rollups_rebuild_bulk(
            first=first,
            last=last,
            whole=whole,
            chunk_days=days_per_batch or total_days,
            progress=progress,
        )
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


def rollups_reconcile(*, days: int = 35) -> int:
    """Recompute the last ``days`` days against the raw data; returns the number of days.

    Catches anything a lost task or a broker outage left behind. Starts a day early because
    clinics west of UTC are still on the previous day.
    """
    since = timezone.now().date() - dt.timedelta(days=days + 1)
    return rollups_rebuild(since=since)

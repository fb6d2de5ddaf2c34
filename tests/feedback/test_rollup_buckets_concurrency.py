"""Marking a busy bucket dirty: concurrent submissions never queue behind one another's row lock,
and a submission during a drain's claim is never lost (real PostgreSQL, two connections)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from feedback.models import DirtyBucket
from feedback.rollup_buckets import rollup_buckets_mark_dirty

pytestmark = pytest.mark.django_db(transaction=True)
DAY = dt.date(2026, 3, 10)
MARKED = dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC)


def _in_thread(work, started: threading.Event, release: threading.Event) -> threading.Thread:
    """``work()`` in its own connection and transaction, kept open until ``release``."""

    def run() -> None:
        try:
            with transaction.atomic():
                work()
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_second_submission_to_a_marked_bucket_does_not_wait_for_the_first(clinic_a):
    DirtyBucket.objects.create(clinic=clinic_a, local_date=DAY, marked_at=MARKED)
    started, release = threading.Event(), threading.Event()
    first = _in_thread(lambda: rollup_buckets_mark_dirty(clinic_a, DAY), started, release)
    assert started.wait(10)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '500ms'")
            rollup_buckets_mark_dirty(clinic_a, DAY)  # an upsert would wait and time out here
    finally:
        release.set()
        first.join()
    assert list(DirtyBucket.objects.values_list("local_date", flat=True)) == [DAY]


def test_a_submission_during_a_drains_claim_marks_the_bucket_again_after_it(clinic_a):
    DirtyBucket.objects.create(clinic=clinic_a, local_date=DAY, marked_at=MARKED)

    def drain_claims_and_clears() -> None:
        claimed = DirtyBucket.objects.select_for_update(skip_locked=True).get(clinic=clinic_a)
        DirtyBucket.objects.filter(pk=claimed.pk, marked_at=claimed.marked_at).delete()

    drain_started, drain_release = threading.Event(), threading.Event()
    drain = _in_thread(drain_claims_and_clears, drain_started, drain_release)
    assert drain_started.wait(10)
    marked, marker_release = threading.Event(), threading.Event()
    marker_release.set()
    marker = _in_thread(lambda: rollup_buckets_mark_dirty(clinic_a, DAY), marked, marker_release)
    # The claimed row is skipped, so the submission's upsert waits for the drain to finish...
    assert not marked.wait(0.5)
    drain_release.set()
    drain.join()
    marker.join()
    # ...and then marks the bucket anew: its response came after the drain's recompute.
    assert marked.is_set()
    bucket = DirtyBucket.objects.get(clinic=clinic_a, local_date=DAY)
    assert bucket.marked_at > MARKED


def test_a_drain_skips_a_bucket_while_a_submission_holding_it_is_in_flight(clinic_a):
    from analytics.rollups.services import dirty_buckets_drain

    DirtyBucket.objects.create(clinic=clinic_a, local_date=DAY, marked_at=MARKED)
    started, release = threading.Event(), threading.Event()
    submission = _in_thread(lambda: rollup_buckets_mark_dirty(clinic_a, DAY), started, release)
    assert started.wait(10)
    try:
        assert dirty_buckets_drain() == 0  # left for the next drain, which sees the response
    finally:
        release.set()
        submission.join()
    assert DirtyBucket.objects.filter(clinic=clinic_a, local_date=DAY).exists()
    assert dirty_buckets_drain() == 1
    assert not DirtyBucket.objects.exists()

"""Marking the (clinic, local day) buckets whose rollups a change has made stale.

Its own module because both the survey (feedback.services) and the invitation sender
(feedback.invitations) mark buckets, and the first imports the second.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from compassion_portal.celery import enqueue_on_commit
from feedback.models import Clinic, DirtyBucket

ROLLUPS_DRAIN_TASK = "analytics.tasks.rollups_drain"  # by name: feedback never imports analytics
ROLLUPS_DRAIN_DELAY_SECONDS = 5


def clinic_local_date(clinic: Clinic, moment: dt.datetime) -> dt.date:
    return moment.astimezone(clinic.tzinfo).date()


def _days_already_marked(clinic: Clinic, days: list[dt.date]) -> set[dt.date]:
    """The days whose dirty row exists and no drain has claimed; each is held FOR KEY SHARE.

    Key-share locks do not conflict with one another, so concurrent submissions to one busy
    bucket no longer queue behind its row lock (an upsert on every submission made their commits
    take turns). They do conflict with the drain's FOR UPDATE SKIP LOCKED claim, so a drain skips
    a bucket while a submission holding it is in flight (and finds it next time), and a
    submission never counts on a row a drain is about to delete: SKIP LOCKED leaves that row out
    here and the upsert waits for the drain instead.
    """
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT local_date FROM feedback_dirtybucket WHERE clinic_id = %s"
            " AND local_date = ANY(%s) FOR KEY SHARE SKIP LOCKED",
            [clinic.pk, days],
        )
        return {row[0] for row in cursor.fetchall()}


def rollup_buckets_mark_dirty(clinic: Clinic, *local_dates: dt.date) -> None:
    """Mark these days of the clinic dirty in the caller's transaction; drain after commit.

    Call it last in a transaction, so the bucket's row lock is held only briefly; many changes
    to one bucket leave one row and one coalesced task.
    """
    now = timezone.now()
    days = sorted(set(local_dates))
    missing = [day for day in days if day not in _days_already_marked(clinic, days)]
    if missing:
        DirtyBucket.objects.bulk_create(
            [DirtyBucket(clinic=clinic, local_date=day, marked_at=now) for day in missing],
            update_conflicts=True,
            unique_fields=["clinic", "local_date"],
            update_fields=["marked_at"],
        )
    enqueue_on_commit(ROLLUPS_DRAIN_TASK, coalesce_seconds=ROLLUPS_DRAIN_DELAY_SECONDS)

"""Marking the (clinic, local day) buckets whose rollups a change has made stale.

Its own module because both the survey (feedback.services) and the invitation sender
(feedback.invitations) mark buckets, and the first imports the second.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from compassion_portal.celery import enqueue_on_commit
from feedback.models import Clinic, DirtyBucket

ROLLUPS_DRAIN_TASK = "analytics.tasks.rollups_drain"  # by name: feedback never imports analytics
ROLLUPS_DRAIN_DELAY_SECONDS = 5


def clinic_local_date(clinic: Clinic, moment: dt.datetime) -> dt.date:
    return moment.astimezone(clinic.tzinfo).date()


def rollup_buckets_mark_dirty(clinic: Clinic, *local_dates: dt.date) -> None:
    """Mark these days of the clinic dirty in the caller's transaction; drain after commit.

    Call it last in a transaction, so the bucket's row lock is held only briefly; many changes
    to one bucket leave one row and one coalesced task.
    """
    now = timezone.now()
    DirtyBucket.objects.bulk_create(
        [
            DirtyBucket(clinic=clinic, local_date=day, marked_at=now)
            for day in sorted(set(local_dates))
        ],
        update_conflicts=True,
        unique_fields=["clinic", "local_date"],
        update_fields=["marked_at"],
    )
    enqueue_on_commit(ROLLUPS_DRAIN_TASK, coalesce_seconds=ROLLUPS_DRAIN_DELAY_SECONDS)

"""Celery tasks for rollups: thin, no arguments beyond ids, safe to run twice (they recompute)."""

from celery import shared_task
from django.db import OperationalError

from analytics.services import dirty_buckets_drain, rollups_reconcile

_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def rollups_drain() -> int:
    """Recompute the buckets marked dirty by submissions (coalesced on send; also every minute)."""
    return dirty_buckets_drain()


@shared_task(**_RETRY)
def rollups_reconcile_recent() -> int:
    """Nightly: recompute the last 35 days from the raw data, whatever the queue lost."""
    return rollups_reconcile(days=35)

from analytics.exports import tasks as export_tasks  # noqa: E402, F401 - registers export tasks
from analytics.tasks_comments import comments_analyse_pending  # noqa: E402, F401 - comment tasks

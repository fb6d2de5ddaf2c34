"""Celery tasks for rollups: thin, no arguments beyond ids, safe to run twice (they recompute)."""

from celery import shared_task

from analytics.services import dirty_buckets_drain, rollups_reconcile
from compassion_portal.celery import TASK_RETRY


@shared_task(**TASK_RETRY)
def rollups_drain() -> int:
    """Recompute the buckets marked dirty by submissions (coalesced on send; also every minute)."""
    return dirty_buckets_drain()


@shared_task(**TASK_RETRY)
def rollups_reconcile_recent() -> int:
    """Nightly: recompute the last 35 days from the raw data, whatever the queue lost."""
    return rollups_reconcile(days=35)

from analytics.exports import tasks as export_tasks  # noqa: E402, F401 - registers export tasks
from analytics.tasks_comments import comments_analyse_pending  # noqa: E402, F401 - comment tasks

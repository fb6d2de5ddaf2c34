"""Celery task for comment analytics: thin, no arguments, safe to run twice (it recomputes)."""

from celery import shared_task

from analytics.comments import PENDING_BATCH
from analytics.comments import comments_analyse_pending as comments_analyse_pending_service
from compassion_portal.celery import TASK_RETRY


@shared_task(**TASK_RETRY)
def comments_analyse_pending() -> int:
    """Analyse every comment and testimonial not analysed yet (coalesced on send), batch by
    batch, so a backlog (an import, the demo seed, a broker outage) clears in one run."""
    total = 0
    while True:
        done = comments_analyse_pending_service(limit=PENDING_BATCH)
        total += done
        if done < PENDING_BATCH:
            return total

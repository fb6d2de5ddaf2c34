"""Celery task for comment analytics: thin, no arguments, safe to run twice (it recomputes)."""

from celery import shared_task
from django.db import OperationalError

from analytics.comments import PENDING_BATCH
from analytics.comments import comments_analyse_pending as comments_analyse_pending_service

_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def comments_analyse_pending() -> int:
    """Analyse every comment and testimonial not analysed yet (coalesced on send), batch by
    batch, so a backlog (an import, the demo seed, a broker outage) clears in one run."""
    total = 0
    while True:
        done = comments_analyse_pending_service(limit=PENDING_BATCH)
        total += done
        if done < PENDING_BATCH:
            return total

"""Integration tasks: thin, id-only, retried by the shared policy (compassion_portal.celery)."""

from celery import shared_task

from compassion_portal.celery import TASK_RETRY
from integrations.webhooks import WEBHOOK_DELIVER_TASK, webhook_delivery_attempt


@shared_task(name=WEBHOOK_DELIVER_TASK, **TASK_RETRY)
def webhook_deliver(delivery_id: int) -> str:
    """Send one webhook delivery; a receiver that is down is tried again with backoff."""
    return webhook_delivery_attempt(delivery_id=delivery_id)

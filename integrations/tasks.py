"""Integration tasks: thin, id-only, retried by the shared policy (compassion_portal.celery)."""

from celery import shared_task

from compassion_portal.celery import TASK_RETRY
from integrations.webhooks import (
    WEBHOOK_DELIVER_TASK,
    WEBHOOKS_RESEND_TASK,
    webhook_deliveries_resend,
    webhook_delivery_attempt,
)


@shared_task(name=WEBHOOK_DELIVER_TASK, **TASK_RETRY)
def webhook_deliver(delivery_id: int) -> str:
    """Send one webhook delivery; a receiver that is down is tried again with backoff."""
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name=WEBHOOKS_RESEND_TASK, **TASK_RETRY)
def webhooks_resend_pending() -> int:
    """Beat: send again the deliveries whose message was lost."""
    return webhook_deliveries_resend()

"""Celery tasks for invitations and kudos digests: thin wrappers around feedback services.

Arguments are ids only, never tokens or contacts, so nothing personal sits in the broker. Every
task is safe to run twice: the services lock the row and check what was already done.
"""

from celery import shared_task
from django.db import DatabaseError

from feedback import invitations, testimonials

# Database outages and mail/SMS transport errors (smtplib errors are OSErrors) are transient.
_RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(name="feedback.tasks.invitation_send", **_RETRY)
def invitation_send(invitation_id: int) -> bool:
    return invitations.invitation_send(invitation_id=invitation_id)


@shared_task(name="feedback.tasks.invitation_reminders_send", **_RETRY)
def invitation_reminders_send() -> int:
    return invitations.invitation_reminders_send()


@shared_task(name="feedback.tasks.invitation_contacts_erase", **_RETRY)
def invitation_contacts_erase() -> dict[str, int]:
    """Erase finished contacts, then send what a broker outage left unsent."""
    return {
        "erased": invitations.invitation_contacts_erase(),
        "sent": invitations.invitations_unsent_send(),
    }


@shared_task(name="feedback.tasks.kudos_digests_send", **_RETRY)
def kudos_digests_send() -> int:
    return testimonials.kudos_digests_send()

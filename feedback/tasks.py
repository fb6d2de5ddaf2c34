"""Celery tasks for invitations and kudos digests: thin wrappers around feedback services.

Arguments are ids only, never tokens or contacts, so nothing personal sits in the broker. Every
task is safe to run twice: the services lock the row and check what was already done.
"""

from celery import shared_task

from compassion_portal.celery import TASK_RETRY
from feedback import invitations, pulse, testimonials


@shared_task(name="feedback.tasks.invitation_send", **TASK_RETRY)
def invitation_send(invitation_id: int) -> bool:
    return invitations.invitation_send(invitation_id=invitation_id)


@shared_task(name="feedback.tasks.invitation_reminders_send", **TASK_RETRY)
def invitation_reminders_send() -> int:
    return invitations.invitation_reminders_send()


@shared_task(name="feedback.tasks.invitation_contacts_erase", **TASK_RETRY)
def invitation_contacts_erase() -> dict[str, int]:
    """Erase finished contacts (staff pulse ones too), then send what a broker outage left
    unsent."""
    return {
        "erased": invitations.invitation_contacts_erase(),
        "staff_erased": pulse.pulse_contacts_erase(),
        "sent": invitations.invitations_unsent_send(),
    }


@shared_task(name="feedback.tasks.kudos_digests_send", **TASK_RETRY)
def kudos_digests_send() -> int:
    return testimonials.kudos_digests_send()

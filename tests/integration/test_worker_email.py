"""A real Celery worker on Redis sends the invitation e-mail of an imported visit."""

import threading
import time

import pytest
from django.core import mail

from feedback.invitations import invitation_url
from feedback.models import Clinic, Invitation
from feedback.visit_import import visit_file_import

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CSV = (
    b"visit_id,clinic,occurred_at,language,channel,contact\n"
    b"V-1,riverside,2026-11-02T10:00,en,email,pat@example.com\n"
)


def test_worker_sends_the_invitation_email_after_an_import(worker, task_runs, settings):
    sends = task_runs("feedback.tasks.invitation_send")
    settings.SITE_URL = "https://portal.example.org"
    Clinic.objects.create(
        name="Riverside Family Clinic", slug="riverside", timezone="America/New_York"
    )

    summary = visit_file_import(raw=CSV)
    invitation = Invitation.objects.get()
    deadline = time.monotonic() + 15
    while invitation.sent_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
        invitation.refresh_from_db()

    assert (summary.created, summary.errors) == (1, [])
    assert invitation.sent_at is not None, "the worker did not send the invitation within 15 s"
    [run] = sends
    assert (run.eager, run.result) == (False, True)
    assert run.thread != threading.main_thread().name
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    assert invitation_url(invitation) in message.body

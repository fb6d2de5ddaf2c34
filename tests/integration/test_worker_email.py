"""A real Celery worker on Redis sends the invitation e-mail of an imported visit."""

import os
import threading
import time
from urllib.parse import urlparse

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail

from compassion_portal.celery import app
from feedback.invitations import invitation_url
from feedback.models import Clinic, Invitation
from feedback.visit_import import visit_file_import

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

CSV = (
    b"visit_id,clinic,occurred_at,language,channel,contact\n"
    b"V-1,riverside,2026-11-02T10:00,en,email,pat@example.com\n"
)


def _worker_broker_url() -> str:
    """REDIS_URL's server, but a database of the worker's own (10 above the suite's, at most 15).

    The worker must not consume messages other tests leave in the suite's database, and this
    test flushes its database first, so it must never be the one REDIS_URL names.
    """
    parsed = urlparse(os.environ["REDIS_URL"])
    suite_db = int(parsed.path.strip("/") or 0)
    worker_db = min(suite_db + 10, 15)
    assert worker_db != suite_db
    return parsed._replace(path=f"/{worker_db}").geturl()


def _forget_broker_connections() -> None:
    """Drop pooled connections so the next send uses the broker_url set by the test."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on_redis():
    url = _worker_broker_url()
    redis.Redis.from_url(url).flushdb()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    _forget_broker_connections()
    yield app
    app.conf.update(saved)
    _forget_broker_connections()
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def task_runs():
    """Where each finished invitation_send ran: (thread name, eager?, return value)."""
    runs: list[tuple[str, bool, object]] = []

    def record(sender=None, task=None, retval=None, **kwargs):
        if task is not None and task.name == "feedback.tasks.invitation_send":
            runs.append((threading.current_thread().name, bool(task.request.is_eager), retval))

    task_postrun.connect(record, weak=False)
    yield runs
    task_postrun.disconnect(record)


def test_worker_sends_the_invitation_email_after_an_import(celery_on_redis, task_runs, settings):
    settings.SITE_URL = "https://portal.example.org"
    Clinic.objects.create(name="Riverside Family Clinic", slug="riverside",
                          timezone="America/New_York")

    with start_worker(celery_on_redis, pool="solo", perform_ping_check=False,
                      shutdown_timeout=10):
        summary = visit_file_import(raw=CSV)
        invitation = Invitation.objects.get()
        deadline = time.monotonic() + 15
        while invitation.sent_at is None and time.monotonic() < deadline:
            time.sleep(0.1)
            invitation.refresh_from_db()

    assert (summary.created, summary.errors) == (1, [])
    assert invitation.sent_at is not None, "the worker did not send the invitation within 15 s"
    assert task_runs == [(task_runs[0][0], False, True)]
    assert task_runs[0][0] != threading.main_thread().name
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    assert invitation_url(invitation) in message.body

"""Every task of the portal retries by the one shared policy: transient errors only, with
backoff, a bounded number of times (compassion_portal.celery.TASK_RETRY)."""

import pytest
from django.db import IntegrityError

from compassion_portal.celery import TASK_MAX_RETRIES, TASK_RETRY, app

pytestmark = pytest.mark.hardening


def portal_tasks() -> dict:
    app.loader.import_default_modules()  # every app's tasks, as a worker registers them
    return {
        name: task
        for name, task in app.tasks.items()
        if name.startswith(("analytics.", "feedback.", "integrations."))
    }


def test_every_task_retries_by_the_shared_bounded_policy():
    tasks = portal_tasks()
    assert len(tasks) >= 10, sorted(tasks)
    for name, task in tasks.items():
        assert task.max_retries == TASK_MAX_RETRIES <= 10, name
        assert tuple(task.autoretry_for) == TASK_RETRY["autoretry_for"], name
        assert (task.retry_backoff, task.retry_backoff_max, task.retry_jitter) == (
            TASK_RETRY["retry_backoff"],
            TASK_RETRY["retry_backoff_max"],
            True,
        ), name


def test_permanent_database_errors_are_not_retried():
    assert not issubclass(IntegrityError, TASK_RETRY["autoretry_for"])

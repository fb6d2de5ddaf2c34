"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

app = Celery("compassion_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue_on_commit(task, *args) -> None:
    """Send ``task`` with id-only ``args`` once the current transaction commits.

    PostgreSQL is the source of truth and the broker is disposable: if the broker is down the
    send is logged and dropped, never raised, and the periodic jobs pick the work up later.
    """
    import logging

    from django.db import transaction
    from kombu.exceptions import OperationalError

    def send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except (OperationalError, ConnectionError, OSError, TimeoutError):
            logging.getLogger(__name__).warning(
                "Broker unavailable; %s%r left to the periodic jobs", task.name, args
            )

    transaction.on_commit(send)

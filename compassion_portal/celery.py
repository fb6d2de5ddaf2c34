"""The Celery application; tasks are discovered in each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

app = Celery("compassion_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _task_named(name: str):
    """The registered task called ``name``, so a sender need not import the module defining it.

    Looking it up (rather than send_task) keeps task_always_eager working: the demo runs it inline.
    """
    if name not in app.tasks:
        app.loader.import_default_modules()  # runs autodiscover_tasks in a web process
    return app.tasks[name] if name in app.tasks else app.signature(name)


def enqueue_on_commit(task, *args, coalesce_seconds: int | None = None) -> None:
    """Send ``task`` (a task or its registered name) with id-only ``args`` once the current
    transaction commits.

    PostgreSQL is the source of truth and the broker is disposable: if the broker (or the cache)
    is down the send is logged and dropped, never raised, and the periodic jobs pick the work up
    later. With ``coalesce_seconds``, every send within that window after the first is dropped and
    the first is delayed by the window, so a burst of commits costs one task that sees them all.
    """
    import logging

    from django.core.cache import cache
    from django.db import transaction
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    unavailable = (OperationalError, RedisError, ConnectionError, OSError, TimeoutError)

    def send() -> None:
        name = task if isinstance(task, str) else task.name
        try:
            if coalesce_seconds and not app.conf.task_always_eager:
                if not cache.add(f"enqueue-coalesced:{name}:{args!r}", 1, coalesce_seconds):
                    return
                _send(name, countdown=coalesce_seconds)
            else:
                _send(name)
        except unavailable:
            logging.getLogger(__name__).warning(
                "Broker or cache unavailable; %s%r left to the periodic jobs", name, args,
                exc_info=True,
            )

    def _send(name: str, countdown: int | None = None) -> None:
        target = task if not isinstance(task, str) else _task_named(task)
        target.apply_async(args=args, countdown=countdown, retry=False)

    transaction.on_commit(send, robust=True)

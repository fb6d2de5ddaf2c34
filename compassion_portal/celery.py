"""The Celery application; tasks are discovered in each app's tasks.py."""

import logging
import os
import time

from celery import Celery
from celery.signals import task_failure
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")

app = Celery("compassion_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

TASK_MAX_RETRIES = 6
# The one retry policy of every task (``@shared_task(**TASK_RETRY)``). A peer that is briefly
# away (PostgreSQL restarting, the SMTP server or SMS gateway unreachable: OSError) is tried
# again after about 5, 10, 20, 40, 80 and 160 seconds (full jitter, so a burst of failures does
# not come back at once), then the task fails, is logged and its message acknowledged: a message
# that can never succeed (a poison message) costs six short tries, never the queue. Any other
# error (a bug, an integrity error) fails at once: retrying it would only repeat it.
TASK_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": TASK_MAX_RETRIES,
}


@task_failure.connect
def _task_failure_log(sender=None, task_id=None, exception=None, args=None, **kwargs) -> None:
    """One line naming the task that gave up, with its (id-only) arguments and tries."""
    retries = sender.request.retries if sender is not None else 0
    logger.error(
        "Task %s[%s] failed for good after %d retries: %r (args %r)",
        getattr(sender, "name", "?"),
        task_id,
        retries,
        exception,
        args,
    )


def _task_named(name: str):
    """The registered task called ``name``, so a sender need not import the module defining it.

    Looking it up (rather than send_task) keeps task_always_eager working: the demo runs it inline.
    """
    if name not in app.tasks:
        app.loader.import_default_modules()  # runs autodiscover_tasks in a web process
    return app.tasks[name] if name in app.tasks else app.signature(name)


# Coalescing windows this process knows to be open: key -> time.monotonic() at which it closes.
_COALESCE_OPEN_UNTIL: dict[str, float] = {}


def _coalesce_claim(key: str, seconds: int) -> bool:
    """True if this send opens the coalescing window ``key`` (the caller then sends the task).

    A window is a cache key living ``seconds``; the task sent by whoever opened it runs when it
    closes and sees every commit made before. Once this process has seen a window open (its own,
    or another's with the time it has left), sends within it skip the cache round trip.
    """
    from django.core.cache import cache, caches
    from django.core.cache.backends.redis import RedisCache

    now = time.monotonic()
    if _COALESCE_OPEN_UNTIL.get(key, 0.0) > now:
        return False
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        pipeline = backend._cache.get_client(full_key, write=True).pipeline(transaction=False)
        pipeline.set(full_key, 1, ex=seconds, nx=True)
        pipeline.pttl(full_key)
        opened, left_ms = pipeline.execute()
        left = seconds if opened else max(left_ms, 0) / 1000
    else:
        opened = cache.add(key, 1, seconds)
        left = seconds if opened else 0.0
    # A little short of the window's end, so a send near the end still reaches the cache.
    _COALESCE_OPEN_UNTIL[key] = now + max(left - 0.5, 0.0)
    return bool(opened)


def coalesce_windows_forget() -> None:
    """Forget the windows this process remembers (tests that flush the cache call it)."""
    _COALESCE_OPEN_UNTIL.clear()


def enqueue_on_commit(task, *args, coalesce_seconds: int | None = None) -> None:
    """Send ``task`` (a task or its registered name) with id-only ``args`` once the current
    transaction commits.

    PostgreSQL is the source of truth and the broker is disposable: if the broker (or the cache)
    is down the send is logged and dropped, never raised, and the periodic jobs pick the work up
    later. With ``coalesce_seconds``, every send within that window after the first is dropped and
    the first is delayed by the window, so a burst of commits costs one task that sees them all.
    """
    import logging

    from django.db import transaction
    from kombu.exceptions import OperationalError
    from redis.exceptions import RedisError

    unavailable = (OperationalError, RedisError, ConnectionError, OSError, TimeoutError)

    def send() -> None:
        name = task if isinstance(task, str) else task.name
        try:
            if coalesce_seconds and not app.conf.task_always_eager:
                if not _coalesce_claim(f"enqueue-coalesced:{name}:{args!r}", coalesce_seconds):
                    return
                _send(name, countdown=coalesce_seconds)
            else:
                _send(name)
        except unavailable:
            logging.getLogger(__name__).warning(
                "Broker or cache unavailable; %s%r left to the periodic jobs",
                name,
                args,
                exc_info=True,
            )

    def _send(name: str, countdown: int | None = None) -> None:
        target = task if not isinstance(task, str) else _task_named(task)
        target.apply_async(args=args, countdown=countdown, retry=False)

    transaction.on_commit(send, robust=True)

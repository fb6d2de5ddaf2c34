"""A real Celery worker on the real Redis, shared by the integration tests that need one."""

import os
import threading
from contextlib import contextmanager
from typing import NamedTuple
from urllib.parse import urlparse

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from kombu import pools as kombu_pools

import analytics.tasks  # noqa: F401 - registers every task (rollups, exports, comments)
from compassion_portal.celery import app, coalesce_windows_forget


def worker_broker_url() -> str:
    """REDIS_URL's server, but a database of the workers' own, flushed freely.

    The worker must not consume messages other tests leave in the suite's database, so it is
    never the one REDIS_URL names.
    """
    parsed = urlparse(os.environ["REDIS_URL"])
    suite_db = int(parsed.path.strip("/") or 0)
    worker_db = suite_db + 1 if suite_db < 15 else 14
    return parsed._replace(path=f"/{worker_db}").geturl()


def _forget_broker_connections() -> None:
    """Drop pooled connections so the next send uses the broker_url set by the test.

    kombu's process-wide producer pools are keyed by broker URL, and a stopped worker leaves
    the pool for its URL closed: reset them too, or the next test on that URL cannot send.
    """
    kombu_pools.reset()
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_on_redis():
    """The Celery app sending to the workers' Redis database, not running tasks in-process."""
    url = worker_broker_url()
    redis.Redis.from_url(url).flushdb()
    suite = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in suite.scan_iter("*enqueue-coalesced*"):  # a window left open by another test
        suite.delete(key)
    coalesce_windows_forget()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=url, task_always_eager=False)
    _forget_broker_connections()
    yield app
    app.conf.update(saved)
    _forget_broker_connections()
    redis.Redis.from_url(url).flushdb()


@pytest.fixture
def broker_unreachable(celery_on_redis):
    """``with broker_unreachable():`` sends go to a closed port, as when Redis is down."""

    @contextmanager
    def down():
        saved = app.conf.broker_url
        app.conf.broker_url = "redis://127.0.0.1:1/0"
        _forget_broker_connections()
        try:
            yield
        finally:
            app.conf.broker_url = saved
            _forget_broker_connections()

    return down


@pytest.fixture
def worker(celery_on_redis):
    """A real worker (solo pool, in a thread of this process) consuming from that database."""
    with start_worker(
        celery_on_redis,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        yield celery_on_redis


class TaskRun(NamedTuple):
    thread: str
    eager: bool
    result: object


@pytest.fixture
def task_runs():
    """task_runs(name) -> the list of finished runs of that task, filled as they happen."""
    receivers = []

    def runs_of(name: str) -> list[TaskRun]:
        runs: list[TaskRun] = []

        def record(task=None, retval=None, **kwargs):
            if task is not None and task.name == name:
                eager = bool(task.request.is_eager)
                runs.append(TaskRun(threading.current_thread().name, eager, retval))

        task_postrun.connect(record, weak=False)
        receivers.append(record)
        return runs

    yield runs_of
    for record in receivers:
        task_postrun.disconnect(record)

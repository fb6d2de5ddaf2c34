"""Faults with the real services: Redis gone, a rebuild killed midway, a task delivered twice."""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

import analytics.tasks
from analytics.models import DimensionRollup, ItemRollup, ResponseRollup
from analytics.rollups.services import rollups_rebuild
from compassion_portal.celery import app
from feedback.models import DirtyBucket, Response
from feedback.services import response_submit

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PROJECT = Path(__file__).resolve().parents[2]
NOON_UTC = dt.datetime(2026, 1, 5, 17, 0, tzinfo=dt.UTC)


def rollup_snapshot() -> dict[str, list[tuple]]:
    snapshot = {}
    for model in (ResponseRollup, DimensionRollup, ItemRollup):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        snapshot[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return snapshot


def submit(instrument, clinic, full_answers, *, day: int = 0, likert: int = 4, at=NOON_UTC):
    answers = {
        item: (value if item == "recommend" else likert) for item, value in full_answers.items()
    }
    return response_submit(
        instrument=instrument,
        clinic=clinic,
        answers=answers,
        language="en",
        now=at + dt.timedelta(days=day),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    """A redis-server of this test's own on a free port: the machine's Redis is never touched."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="cp-faults-redis-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "own redis-server did not start"
                time.sleep(0.05)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def own_redis(settings):
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    server = OwnRedis()
    server.start()
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    app.conf.update(broker_url=server.url, task_always_eager=False)
    _forget_broker_connections()
    yield server
    server.kill()
    app.conf.update(saved)
    _forget_broker_connections()
    shutil.rmtree(server.dir, ignore_errors=True)


def _forget_broker_connections() -> None:
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_submissions_while_redis_is_down_are_stored_fast_and_aggregated_once_it_returns(
    own_redis, instrument, clinic_a, full_answers
):
    first = submit(instrument, clinic_a, full_answers, day=0)
    # Redis up: the coalesced drain task went to our own broker.
    assert redis.Redis.from_url(own_redis.url).llen("aggregation") == 1  # its own queue

    own_redis.kill()
    slowest = 0.0
    for day in (0, 1, 2):
        started = time.monotonic()
        submit(instrument, clinic_a, full_answers, day=day, likert=5)
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 3, f"a submission took {slowest:.1f} s with Redis down"
    assert Response.objects.count() == 4
    assert DirtyBucket.objects.count() == 3
    assert not ResponseRollup.objects.exists()

    own_redis.start()
    analytics.tasks.rollups_drain.apply()  # what beat runs every minute
    assert not DirtyBucket.objects.exists()
    assert sorted(ResponseRollup.objects.values_list("local_date", "responses")) == [
        (first.local_date, 2),
        (first.local_date + dt.timedelta(days=1), 1),
        (first.local_date + dt.timedelta(days=2), 1),
    ]
    assert DimensionRollup.objects.get(dimension="empathy", local_date=first.local_date).n == 2


@pytest.mark.hardening
def test_dashboard_answers_when_redis_is_full_and_refuses_every_write(
    own_redis, settings, client, manager_a, instrument, clinic_a
):
    from django.urls import reverse

    from compassion_portal import settings as project_settings
    from tests.analytics.dashboard.test_dashboard_access import PERIOD, respond

    # The project's own wiring of the {% cache %} fragments, on this test's Redis.
    fragments = {**project_settings.CACHES["template_fragments"], "LOCATION": own_redis.url}
    settings.CACHES = {**settings.CACHES, "template_fragments": fragments}
    respond(instrument, clinic_a, 12)
    client.force_login(manager_a)
    assert client.get(reverse("analytics:dashboard"), PERIOD).status_code == 200  # warm

    server = redis.Redis.from_url(own_redis.url)
    server.config_set("maxmemory-policy", "noeviction")
    server.config_set("maxmemory", 1)  # full: reads still answer, every write is refused
    with pytest.raises(redis.ResponseError, match="maxmemory"):
        server.set("probe", 1)
    other_period = {**PERIOD, "start": "2026-02-09"}  # not cached yet: built, then not stored
    page = client.get(reverse("analytics:dashboard"), other_period)
    assert page.status_code == 200
    assert b'id="tile-responses"' in page.content


def test_a_rebuild_killed_midway_then_rerun_equals_a_clean_rebuild(
    instrument, clinic_a, clinic_b, full_answers
):
    days = 240
    for day in range(days):
        submit(
            instrument, clinic_a if day % 3 else clinic_b, full_answers, day=day, likert=1 + day % 5
        )
    rollups_rebuild()
    # Change the raw data so the rebuild has real work: scores changed, responses deleted.
    Response.objects.filter(local_date__week_day=2).delete()
    for response in Response.objects.filter(local_date__week_day=4):
        response.scores.update(score=12.5)
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    command = [sys.executable, "manage.py", "rebuild_rollups", "--days-per-batch", "1"]

    rebuild = subprocess.Popen(
        command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _wait_for_progress(rebuild, at_least_days=10)
    rebuild.send_signal(signal.SIGKILL)
    assert rebuild.wait(10) == -signal.SIGKILL
    killed_midway = rollup_snapshot()

    rerun = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    after_rerun = rollup_snapshot()
    for model in (ResponseRollup, DimensionRollup, ItemRollup):
        model.objects.all().delete()
    rollups_rebuild()
    clean = rollup_snapshot()

    assert killed_midway != clean  # the kill really landed in the middle
    assert after_rerun == clean


def test_the_same_task_delivered_twice_leaves_the_rollups_unchanged(
    instrument, clinic_a, full_answers
):
    # Recent enough for the nightly reconcile (the last 35 days) to recompute them too.
    for likert in (1, 3, 5):
        submit(instrument, clinic_a, full_answers, likert=likert, at=timezone.now(), day=-2)
    analytics.tasks.rollups_drain.apply(task_id="delivered-twice")
    once = rollup_snapshot()
    DirtyBucket.objects.create(clinic=clinic_a, local_date=Response.objects.first().local_date)

    analytics.tasks.rollups_drain.apply(task_id="delivered-twice")
    analytics.tasks.rollups_reconcile_recent.apply(task_id="reconciled-twice")
    analytics.tasks.rollups_reconcile_recent.apply(task_id="reconciled-twice")

    assert rollup_snapshot() == once
    assert ResponseRollup.objects.aggregate(total=Sum("responses"))["total"] == 3


def _test_database_url() -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def _wait_for_progress(process: subprocess.Popen, *, at_least_days: int) -> None:
    """Read tqdm's progress ("  12/240") until the rebuild is past ``at_least_days``."""
    deadline = time.monotonic() + 120
    buffer = b""
    while time.monotonic() < deadline:
        chunk = process.stderr.read1(4096)
        assert chunk, f"rebuild ended before it could be killed: {buffer.decode()[-500:]}"
        buffer += chunk
        counts = [
            part.split(b"/")[0].split()[-1]
            for part in buffer.split(b"|")
            if b"/" in part and part.split(b"/")[0].split()
        ]
        done = [int(c) for c in counts if c.isdigit()]
        if done and max(done) >= at_least_days:
            return
    pytest.fail("the rebuild made no progress")

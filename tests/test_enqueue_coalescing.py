"""Coalesced sends (compassion_portal.celery.enqueue_on_commit): one task per window, and within
a window this process already knows about, no Redis round trip per commit."""

import pytest
from django.core.cache import cache, caches
from redis.connection import Connection

from compassion_portal import celery as celery_module
from compassion_portal.celery import app, coalesce_windows_forget, enqueue_on_commit

pytestmark = pytest.mark.django_db
TASK = "analytics.tasks.rollups_drain"
WINDOW_KEY = f"enqueue-coalesced:{TASK}:()"


@pytest.fixture
def sent(monkeypatch):
    calls = []
    task = celery_module._task_named(TASK)
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(task, "apply_async", lambda **kwargs: calls.append(kwargs))
    cache.clear()
    yield calls
    app.conf.task_always_eager = saved


@pytest.fixture
def redis_sends(monkeypatch):
    sends = []
    original = Connection.send_packed_command

    def send_packed_command(self, command, *args, **kwargs):
        sends.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", send_packed_command)
    return sends


def _commit_three(django_capture_on_commit_callbacks) -> None:
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(TASK, coalesce_seconds=5)


def test_three_commits_in_a_window_send_one_delayed_task_and_ask_redis_once(
    sent, redis_sends, django_capture_on_commit_callbacks
):
    _commit_three(django_capture_on_commit_callbacks)
    assert sent == [{"args": (), "countdown": 5, "retry": False}]
    assert len(redis_sends) == 1  # SET NX EX and PTTL, pipelined; then nothing

    coalesce_windows_forget()
    cache.clear()  # the window is gone: the next commit opens a new one
    _commit_three(django_capture_on_commit_callbacks)
    assert len(sent) == 2


def test_a_window_opened_by_another_process_sends_nothing_until_it_closes(
    sent, redis_sends, django_capture_on_commit_callbacks
):
    backend = caches["default"]
    key = backend.make_and_validate_key(WINDOW_KEY)
    backend._cache.get_client(write=True).set(key, 1, ex=4)  # the other web process's send
    redis_sends.clear()

    _commit_three(django_capture_on_commit_callbacks)
    assert sent == []
    assert len(redis_sends) == 1
    remembered = celery_module._COALESCE_OPEN_UNTIL[WINDOW_KEY] - celery_module.time.monotonic()
    assert 2.5 < remembered <= 3.5  # its 4 s left, less the half-second margin

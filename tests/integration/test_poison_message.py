"""A task that always fails (a poison message) on a real worker: retried a bounded number of
times with growing waits, logged when it gives up, and never holding up the tasks behind it."""

import logging
import time

import pytest
from django.db import OperationalError

from compassion_portal.celery import TASK_MAX_RETRIES, TASK_RETRY, app

pytestmark = [pytest.mark.services, pytest.mark.hardening]

attempts: list[float] = []
healthy_runs: list[float] = []

# The project's retry policy, with its waits shrunk to seconds (1, 2, 4, then capped at 4) so the
# test takes ~20 s instead of ~5 minutes; unjittered, so the growth can be measured. The bound
# (TASK_MAX_RETRIES) and the errors retried are the policy's own.
FAST_WAITS = {"retry_backoff": 1, "retry_backoff_max": 4, "retry_jitter": False}
EXPECTED_WAITS = [1, 2, 4, 4, 4, 4][:TASK_MAX_RETRIES]


@app.task(name="tests.integration.poison", **{**TASK_RETRY, **FAST_WAITS})
def poison() -> None:
    attempts.append(time.monotonic())
    raise OperationalError("server closed the connection unexpectedly")


@app.task(name="tests.integration.healthy")
def healthy() -> None:
    healthy_runs.append(time.monotonic())


def test_a_task_that_always_fails_is_retried_a_bounded_number_of_times_and_never_blocks(
    worker, caplog
):
    attempts.clear()
    healthy_runs.clear()
    with caplog.at_level(logging.INFO):
        poison.delay()
        healthy.delay()  # sent after the poison message, on the same queue
        deadline = time.monotonic() + sum(EXPECTED_WAITS) + 20
        while "failed for good" not in caplog.text:
            assert time.monotonic() < deadline, f"still retrying after {len(attempts)} tries"
            time.sleep(0.1)
        time.sleep(max(EXPECTED_WAITS) + 1)  # a retry beyond the bound would come by now

    assert len(attempts) == 1 + TASK_MAX_RETRIES  # the first try and exactly the retries
    waits = [later - earlier for earlier, later in zip(attempts, attempts[1:], strict=False)]
    for wait, expected in zip(waits, EXPECTED_WAITS, strict=True):
        assert expected - 0.2 <= wait <= expected + 2, (waits, EXPECTED_WAITS)
    assert waits[0] < waits[1] < waits[2]  # growing, then capped

    # The healthy task behind it ran during the poison's first wait, not after it gave up.
    assert len(healthy_runs) == 1 and healthy_runs[0] < attempts[1]

    retries = [
        r
        for r in caplog.records
        if "tests.integration.poison" in r.getMessage() and "retry" in r.getMessage().lower()
    ]
    assert len(retries) == TASK_MAX_RETRIES  # each retry logged, with its reason
    gave_up = [r for r in caplog.records if "failed for good" in r.getMessage()]
    assert len(gave_up) == 1 and gave_up[0].levelno == logging.ERROR
    assert f"after {TASK_MAX_RETRIES} retries" in gave_up[0].getMessage()
    assert "server closed the connection" in gave_up[0].getMessage()

"""Queues per kind of work: a worker on the aggregation queue drains rollups while an export
waits on its own queue (real Redis, real worker)."""

import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from analytics.exports.services import EXPORT_TASK
from analytics.models import ResponseRollup
from compassion_portal.celery import app
from feedback.services import response_submit
from tests.integration.conftest import worker_broker_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consumed_queues_restored():
    """A worker started with queues= narrows the app's queues to consume in place (kombu's
    Queues.select): later workers of this process must consume every queue again."""
    yield
    app.amqp.queues._consume_from = None


def test_an_aggregation_worker_drains_while_an_export_waits_on_its_own_queue(
    celery_on_redis, consumed_queues_restored, instrument, clinic_a, full_answers
):
    broker = redis.Redis.from_url(worker_broker_url())
    celery_on_redis.send_task(EXPORT_TASK, args=["00000000-0000-0000-0000-000000000000"])
    with start_worker(
        celery_on_redis,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
        queues=["aggregation"],
    ):
        response_submit(instrument=instrument, clinic=clinic_a, answers=full_answers, language="en")
        deadline = time.monotonic() + 30
        while not ResponseRollup.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)

    assert ResponseRollup.objects.get(clinic=clinic_a).responses == 1
    assert broker.llen("exports") == 1  # untouched by the aggregation worker
    assert broker.llen("aggregation") == 0
    assert sorted(app.amqp.queues.consume_from) == ["aggregation"]  # what the fixture undoes

"""A real Celery worker on Redis delivers a follow-up webhook, retrying after the receiver's 500."""

import json
import time

import pytest

from feedback.models import Clinic
from feedback.services import (
    instrument_current,
    instrument_definition,
    instruments_load_shipped,
    response_submit,
)
from integrations.models import WebhookDelivery
from integrations.signing import webhook_signature_verify
from integrations.webhooks import WEBHOOK_DELIVER_TASK, webhook_endpoint_create
from tests.integrations.conftest import Receiver

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.mark.hardening
def test_worker_retries_a_webhook_after_a_500_and_delivers_it_signed(worker, task_runs, settings):
    runs = task_runs(WEBHOOK_DELIVER_TASK)
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    instruments_load_shipped()
    instrument = instrument_current()
    lowest = {item.id: item.scale.min for item in instrument_definition(instrument).items}
    clinic = Clinic.objects.create(
        name="Riverside Family Clinic", slug="riverside", timezone="America/New_York"
    )
    receiver = Receiver([500])
    try:
        endpoint = webhook_endpoint_create(clinic=clinic, url=receiver.url)

        response_submit(instrument=instrument, clinic=clinic, answers=lowest, language="en")
        delivery = WebhookDelivery.objects.get()
        # The first retry comes within retry_backoff (5 s, full jitter) of the 500.
        deadline = time.monotonic() + 20
        while delivery.status == "pending" and time.monotonic() < deadline:
            time.sleep(0.1)
            delivery.refresh_from_db()
    finally:
        receiver.close()

    assert delivery.status == "delivered", "the worker did not deliver within 20 s"
    attempts = [(a.number, a.status_code) for a in delivery.attempts.all()]
    assert attempts == [(1, 500), (2, 200)]
    # Two runs in the worker (not in-process): the one that met the 500, and its retry.
    assert [(run.eager, run.result) for run in runs][-1] == (False, "delivered")
    assert len(runs) == 2
    headers, body = receiver.requests[-1]
    assert webhook_signature_verify(
        secret=endpoint.secret,
        timestamp=headers["X-Compassion-Timestamp"],
        body=body,
        signature=headers["X-Compassion-Signature"],
        now=time.time(),
    )
    assert json.loads(body)["data"]["clinic"]["slug"] == "riverside"

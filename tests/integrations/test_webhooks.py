"""Webhooks: a follow-up opened is posted, signed, to the clinic's endpoint; a receiver that
answers 500 is tried again; the log keeps every try. A real HTTP receiver on loopback."""

import datetime as dt
import json
import time

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from compassion_portal.celery import TASK_MAX_RETRIES, TASK_RETRY
from feedback.models import FollowUp
from feedback.services import response_submit
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
    webhook_signature_verify,
)
from integrations.tasks import webhook_deliver
from integrations.webhooks import (
    WEBHOOK_DELIVER_TASK,
    WebhookReceiverUnavailable,
    webhook_deliveries_resend,
    webhook_delivery_attempt,
    webhook_endpoint_create,
    webhook_url_validate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_answers(instrument):
    """The lowest answer everywhere: empathy and trust score 0, below the follow-up rule's 50."""
    from feedback.services import instrument_definition

    definition = instrument_definition(instrument)
    return {item.id: item.scale.min for item in definition.items}


def low_response(instrument, clinic, answers, capture):
    with capture(execute=True):
        return response_submit(instrument=instrument, clinic=clinic, answers=answers, language="en")


def test_an_opened_follow_up_is_posted_signed_to_the_clinics_endpoint_only(
    clinic_a,
    clinic_b,
    instrument,
    low_answers,
    receiver_factory,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    receiver, elsewhere = receiver_factory(), receiver_factory()
    endpoint = webhook_endpoint_create(clinic=clinic_a, url=receiver.url)
    webhook_endpoint_create(clinic=clinic_b, url=elsewhere.url)

    response = low_response(instrument, clinic_a, low_answers, django_capture_on_commit_callbacks)

    follow_up = FollowUp.objects.get(response=response)
    assert len(receiver.requests) == 1 and elsewhere.requests == []
    headers, body = receiver.requests[0]
    assert webhook_signature_verify(
        secret=endpoint.secret,
        timestamp=headers[TIMESTAMP_HEADER],
        body=body,
        signature=headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert not webhook_signature_verify(
        secret="another secret",
        timestamp=headers[TIMESTAMP_HEADER],
        body=body,
        signature=headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    event = json.loads(body)
    assert event["type"] == "follow_up.opened"
    assert event["data"]["follow_up"]["id"] == follow_up.pk
    assert event["data"]["follow_up"]["reasons"] == follow_up.reasons
    assert event["data"]["clinic"]["slug"] == "riverside"
    assert event["data"]["response"]["scores"]["empathy"] == 0.0
    assert event["data"]["follow_up"]["url"] == "https://portal.example.org/staff/follow-ups/"
    assert not {"contact", "email", "phone", "comment"} & set(json.dumps(event).split('"'))
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [(a.number, a.status_code, a.error) for a in delivery.attempts.all()] == [(1, 200, "")]


def test_no_endpoint_no_delivery_and_the_response_is_stored(
    clinic_a, instrument, low_answers, django_capture_on_commit_callbacks
):
    response = low_response(instrument, clinic_a, low_answers, django_capture_on_commit_callbacks)

    assert FollowUp.objects.filter(response=response).exists()
    assert WebhookDelivery.objects.count() == 0


def deliveries_pending(instrument, clinic, answers, capture):
    """A low response whose on-commit sends are dropped: the test runs each try itself."""
    with capture(execute=False):
        response_submit(instrument=instrument, clinic=clinic, answers=answers, language="en")
    return WebhookDelivery.objects.get()


def test_a_receiver_answering_500_is_tried_again_until_it_takes_the_event(
    clinic_a, instrument, low_answers, receiver_factory, django_capture_on_commit_callbacks
):
    """Each 5xx raises an error the task's shared policy retries with backoff (an OSError, in
    TASK_RETRY's autoretry_for); each try is run here as the worker would run the retry."""
    receiver = receiver_factory(statuses=[500, 503])
    webhook_endpoint_create(clinic=clinic_a, url=receiver.url)
    delivery = deliveries_pending(
        instrument, clinic_a, low_answers, django_capture_on_commit_callbacks
    )

    for _ in range(2):
        with pytest.raises(WebhookReceiverUnavailable) as unavailable:
            webhook_delivery_attempt(delivery_id=delivery.pk)
        assert isinstance(unavailable.value, TASK_RETRY["autoretry_for"])
    third = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert third == "delivered"
    attempts = [(a.number, a.status_code, a.error) for a in delivery.attempts.all()]
    assert attempts == [(1, 500, "HTTP 500"), (2, 503, "HTTP 503"), (3, 200, "")]
    assert len(receiver.requests) == 3
    # Every try is signed afresh, and carries the same event.
    assert len({headers["X-Compassion-Delivery"] for headers, _ in receiver.requests}) == 1
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "delivered"  # run twice: no-op
    assert len(receiver.requests) == 3


@pytest.mark.hardening
def test_the_last_allowed_try_that_fails_marks_the_delivery_failed(
    clinic_a, instrument, low_answers, receiver_factory, django_capture_on_commit_callbacks
):
    receiver = receiver_factory(statuses=[500] * 10)
    webhook_endpoint_create(clinic=clinic_a, url=receiver.url)
    delivery = deliveries_pending(
        instrument, clinic_a, low_answers, django_capture_on_commit_callbacks
    )

    for _ in range(TASK_MAX_RETRIES):
        with pytest.raises(WebhookReceiverUnavailable):
            webhook_delivery_attempt(delivery_id=delivery.pk)
    last = webhook_delivery_attempt(delivery_id=delivery.pk)

    assert last == "failed"
    assert delivery.attempts.count() == TASK_MAX_RETRIES + 1 == 7
    assert len(receiver.requests) == 7


def test_a_refusal_4xx_is_not_retried_and_a_delivered_event_is_not_sent_twice(
    clinic_a, receiver_factory, instrument, low_answers, django_capture_on_commit_callbacks
):
    receiver = receiver_factory(statuses=[410])
    webhook_endpoint_create(clinic=clinic_a, url=receiver.url)
    delivery = deliveries_pending(
        instrument, clinic_a, low_answers, django_capture_on_commit_callbacks
    )

    first = webhook_deliver.apply(args=[delivery.pk]).get()
    again = webhook_deliver.apply(args=[delivery.pk]).get()

    assert (first, again) == ("failed", "failed")
    assert len(receiver.requests) == 1
    assert delivery.attempts.get().status_code == 410


def test_an_unreachable_receiver_is_logged_and_retried_with_the_shared_policy(
    clinic_a, instrument, low_answers, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(clinic=clinic_a, url="http://127.0.0.1:1/hook")
    delivery = deliveries_pending(
        instrument, clinic_a, low_answers, django_capture_on_commit_callbacks
    )

    with pytest.raises(WebhookReceiverUnavailable):
        webhook_delivery_attempt(delivery_id=delivery.pk)

    attempt = delivery.attempts.get()
    assert attempt.status_code is None and "refused" in attempt.error.lower()
    assert webhook_deliver.name == WEBHOOK_DELIVER_TASK
    assert (webhook_deliver.retry_backoff, webhook_deliver.max_retries) == (5, 6)


@pytest.mark.hardening
@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://ehr.example.org/hooks", True),
        ("http://ehr.example.org/hooks", False),
        ("http://127.0.0.1:8080/hooks", True),
        ("http://localhost/hooks", True),
        ("ftp://ehr.example.org/hooks", False),
    ],
)
def test_only_https_is_accepted_and_loopback_http_only_when_allowed(settings, url, allowed):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True
    if allowed:
        webhook_url_validate(url)
    else:
        with pytest.raises(ValidationError):
            webhook_url_validate(url)
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    if url.startswith("https://"):
        webhook_url_validate(url)
    else:
        with pytest.raises(ValidationError):
            webhook_url_validate(url)


REFERENCE = "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body():
    # Reference value computed independently:
    # printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac s3cret
    assert webhook_signature(secret="s3cret", timestamp=1700000000, body=b'{"a":1}') == (
        "sha256=" + REFERENCE
    )
    assert not webhook_signature_verify(
        secret="s3cret",
        timestamp="1700000000",
        body=b'{"a":1}',
        signature="sha256=" + REFERENCE,
        now=1700000000 + 301,
    )


def test_a_deactivated_endpoint_gets_nothing_more(
    clinic_a, receiver_factory, instrument, low_answers, django_capture_on_commit_callbacks
):
    receiver = receiver_factory()
    endpoint = webhook_endpoint_create(clinic=clinic_a, url=receiver.url)
    delivery = deliveries_pending(
        instrument, clinic_a, low_answers, django_capture_on_commit_callbacks
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == "failed"
    assert receiver.requests == []
    assert delivery.attempts.get().error == "endpoint deactivated"


def test_only_pending_deliveries_untouched_past_the_retry_schedule_are_sent_again(
    clinic_a, settings, django_capture_on_commit_callbacks
):
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic_a, url="https://ehr.example.org/hook", secret="s" * 64
    )
    now = timezone.now()
    old = now - dt.timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS + 1)
    recent = now - dt.timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS - 60)

    def delivery(touched_at, status="pending"):
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="x", body="{}", touched_at=touched_at, status=status
        )

    lost = delivery(old)
    delivery(recent)  # may still be between retries
    delivery(old, status="delivered")
    delivery(old, status="failed")

    with django_capture_on_commit_callbacks() as sends:
        assert webhook_deliveries_resend(now=now) == 1

    assert len(sends) == 1
    lost.refresh_from_db()
    assert lost.touched_at == now

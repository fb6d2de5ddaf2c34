"""Webhooks: telling a clinic's own system, with a signed JSON event, that a follow-up opened.

feedback sends ``follow_up_opened`` inside the response's transaction; the receiver here stores
one delivery row per active endpoint of the clinic (so nothing is lost if the broker is down:
the row stays pending in the admin) and sends each by a task once the response commits. The
event names the clinic's own visit id, never a patient contact detail, name or comment.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compassion_portal.celery import TASK_MAX_RETRIES, enqueue_on_commit
from feedback.models import FollowUp
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    webhook_signature,
)

logger = logging.getLogger(__name__)

FOLLOW_UP_OPENED = "follow_up.opened"
WEBHOOK_DELIVER_TASK = "integrations.tasks.webhook_deliver"
WEBHOOKS_RESEND_TASK = "integrations.tasks.webhooks_resend_pending"
# The first try and every retry the shared task policy allows.
WEBHOOK_MAX_ATTEMPTS = TASK_MAX_RETRIES + 1
# Answers worth trying again: the receiver is down or busy, not refusing this event.
_RETRYABLE_STATUS = {408, 429}
_LOOPBACK_NAMES = {"localhost"}


class WebhookReceiverUnavailable(OSError):
    """The receiver did not take the event but may later (5xx, 408, 429, no connection).

    An OSError, so the task's shared retry policy (compassion_portal.celery.TASK_RETRY) tries
    again with exponential backoff."""


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_validate(url: str) -> None:
    """HTTPS only (the body and signature must not travel in clear); plain HTTP to a loopback
    address only where WEBHOOK_ALLOW_HTTP_LOOPBACK allows it (development and tests)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if (
        parts.scheme == "http"
        and parts.hostname
        and _is_loopback(parts.hostname)
        and settings.WEBHOOK_ALLOW_HTTP_LOOPBACK
    ):
        return
    raise ValidationError({"url": _("The webhook address must start with https://.")})


def webhook_secret_new() -> str:
    return secrets.token_hex(32)


@transaction.atomic
def webhook_endpoint_create(*, clinic, url: str) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (the caller shows it once)."""
    webhook_url_validate(url)
    return WebhookEndpoint.objects.create(clinic=clinic, url=url, secret=webhook_secret_new())


def follow_up_event(follow_up: FollowUp, *, event_id: str, now) -> dict:
    """The event body: what opened, where, and the clinic's own visit id to call back.

    No contact detail (the portal erases it once answered), no comment text (free text may hold
    anything); the manager reads those on the follow-up page the link leads to.
    """
    response = follow_up.response
    invitation = response.invitation
    return {
        "id": event_id,
        "type": FOLLOW_UP_OPENED,
        "created": now.isoformat(),
        "data": {
            "follow_up": {
                "id": follow_up.pk,
                "reasons": list(follow_up.reasons),
                "opened_at": follow_up.created_at.isoformat(),
                "url": settings.SITE_URL + reverse("staff:follow_ups"),
            },
            "clinic": {"slug": follow_up.clinic.slug, "name": follow_up.clinic.name},
            "response": {
                "id": response.pk,
                "submitted_at": response.submitted_at.isoformat(),
                "instrument": response.instrument.slug,
                "instrument_version": response.instrument.version,
                "visit_external_id": invitation.visit.external_id if invitation else None,
                "provider_external_id": (
                    response.provider.external_id or None if response.provider else None
                ),
                "scores": {
                    score.dimension: round(score.score, 1)
                    for score in response.scores.order_by("dimension")
                },
            },
        },
    }


def follow_up_opened_receive(sender, follow_up: FollowUp, **kwargs) -> None:
    """Store a delivery per active endpoint of the clinic and send each after commit.

    A savepoint keeps a failure here from losing the patient's response: the event is logged
    and dropped, the response stored.
    """
    endpoints = list(WebhookEndpoint.objects.filter(clinic_id=follow_up.clinic_id, is_active=True))
    if not endpoints:
        return
    try:
        with transaction.atomic():
            for endpoint in endpoints:
                delivery = WebhookDelivery(
                    endpoint=endpoint, event_type=FOLLOW_UP_OPENED, follow_up=follow_up
                )
                event = follow_up_event(
                    follow_up, event_id=str(delivery.event_id), now=timezone.now()
                )
                delivery.body = json.dumps(event, separators=(",", ":"), sort_keys=True)
                delivery.save()
                enqueue_on_commit(WEBHOOK_DELIVER_TASK, delivery.pk)
    except Exception:  # noqa: BLE001 - the response matters more than its webhook
        logger.exception("Webhook deliveries for follow-up %s not stored", follow_up.pk)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as a failure: following it could send the event elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status code; HTTPError for a non-2xx answer, OSError for no answer."""
    proxy = urllib.request.ProxyHandler({} if _is_loopback(urlsplit(url).hostname or "") else None)
    opener = urllib.request.build_opener(proxy, _NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
        return answer.status


def _send_refusal(endpoint: WebhookEndpoint) -> str:
    """Why a delivery must not go to this endpoint any more ("" when it may)."""
    if not endpoint.is_active:
        return "endpoint deactivated"
    try:
        webhook_url_validate(endpoint.url)
    except ValidationError:
        return "address not allowed (HTTPS only)"
    return ""


def _send_signed(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery's body, signed now: (status code or None, error or "")."""
    timestamp = int(time.time())
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CompassionPortal-Webhooks/1",
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.event_id),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(
            secret=delivery.endpoint.secret, timestamp=timestamp, body=body
        ),
    }
    try:
        return _post(delivery.endpoint.url, body, headers), ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except OSError as exc:  # refused, unreachable, timeout, TLS
        return None, str(getattr(exc, "reason", exc)) or exc.__class__.__name__


def webhook_delivery_attempt(*, delivery_id: int) -> str:
    """Try to send one delivery once; record the try; return the delivery's status.

    Safe to run twice: a delivery already delivered or given up is left alone. Raises
    WebhookReceiverUnavailable when a later try may succeed (the task retries with backoff);
    a 4xx refusal, a deactivated endpoint, an address no longer allowed or the last try marks
    it failed.
    """
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .get(pk=delivery_id)
        )
        if delivery.status != WebhookDelivery.Status.PENDING:
            return delivery.status
        number = delivery.attempts.count() + 1
        delivery.touched_at = timezone.now()
        delivery.save(update_fields=["touched_at"])
    started = time.monotonic()
    if refusal := _send_refusal(delivery.endpoint):
        status_code, error, retryable = None, refusal, False
    else:
        status_code, error = _send_signed(delivery)
        retryable = status_code is None or status_code >= 500 or status_code in _RETRYABLE_STATUS
    delivered = status_code is not None and 200 <= status_code < 300
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=now,
        status_code=status_code,
        error="" if delivered else error[:500],
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if delivered:
        status = WebhookDelivery.Status.DELIVERED
    elif retryable and number < WEBHOOK_MAX_ATTEMPTS:
        raise WebhookReceiverUnavailable(f"webhook delivery {delivery_id}: {error}")
    else:
        status = WebhookDelivery.Status.FAILED
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=status, finished_at=now)
    return status


def webhook_deliveries_resend(*, now: dt.datetime | None = None) -> int:
    """Send again every pending delivery untouched for WEBHOOK_RESEND_AFTER_SECONDS (longer
    than the whole retry schedule): its message was lost, e.g. the broker was down when the
    follow-up opened. A conditional UPDATE claims each one, so two sweeps send it once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.WEBHOOK_RESEND_AFTER_SECONDS)
    stale = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PENDING, touched_at__lte=cutoff
    ).values_list("pk", "touched_at")
    sent = 0
    for delivery_id, touched_at in stale:
        with transaction.atomic():
            claimed = WebhookDelivery.objects.filter(
                pk=delivery_id, status=WebhookDelivery.Status.PENDING, touched_at=touched_at
            ).update(touched_at=now)
            if claimed:
                enqueue_on_commit(WEBHOOK_DELIVER_TASK, delivery_id)
                sent += 1
    return sent

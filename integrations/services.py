"""API tokens (create, revoke, authenticate, rate-limit) and the visits batch import.

A visit from the API goes through the very function the CSV import uses
(feedback.visit_import.visit_row_import): same checks, same idempotency on (clinic, visit id),
same 30-day contact cap, same invitation scheduling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import Channel, Clinic
from feedback.ratelimit import window_count_increment
from feedback.visit_import import CsvRow, VisitRowParser, visit_row_import
from integrations.models import ApiToken

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "cpk_"
# last_used_at is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def api_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_token_secret_set(api_token: ApiToken) -> str:
    """Give an unsaved token row a fresh token; returns the token, to be shown once (only its
    hash and first characters are kept)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token.prefix = token[:12]
    api_token.token_hash = api_token_hash(token)
    return token


@transaction.atomic
def api_token_create(
    *, name: str, clinics, created_by: AbstractBaseUser | None = None
) -> tuple[ApiToken, str]:
    """A new token for these clinics: (row, the token itself, to be shown once and never again)."""
    api_token = ApiToken(
        name=name,
        created_by=created_by if created_by is not None and created_by.is_authenticated else None,
    )
    token = api_token_secret_set(api_token)
    api_token.save()
    api_token.clinics.set(clinics)
    return api_token, token


def api_tokens_revoke(*, tokens) -> int:
    """Revoke tokens (already revoked ones keep their first revocation time)."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_token_authenticate(token: str) -> ApiToken | None:
    """The active token with this value, or None (unknown and revoked look the same)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    api_token = ApiToken.objects.filter(
        token_hash=api_token_hash(token), revoked_at__isnull=True
    ).first()
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token


def api_token_call_allowed(*, token_id: int, now: float | None = None) -> bool:
    """Count one call of this token; False once over API_RATE_LIMIT in the fixed window.

    Like the kiosk limit (feedback.ratelimit): a cache outage lets the call through, since
    the calls are authenticated and refusing a clinic's visits would lose invitations.
    """
    window = settings.API_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    key = f"api-rate:{token_id}:{int(now // window)}"
    try:
        count = window_count_increment(key, window)
    except Exception:  # noqa: BLE001 - any cache failure must not block the API
        logger.warning("API rate limit skipped: cache unavailable", exc_info=True)
        return True
    return count <= settings.API_RATE_LIMIT


def api_retry_after_seconds(*, now: float | None = None) -> int:
    window = settings.API_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    return max(1, int(window - now % window))


def token_clinic_slugs(api_token: ApiToken) -> set[str]:
    return set(api_token.clinics.values_list("slug", flat=True))


def token_clinics(api_token: ApiToken):
    return Clinic.objects.filter(api_tokens=api_token)


class VisitsOutOfScope(Exception):
    """Some items name clinics the token may not write to; nothing was imported."""

    def __init__(self, indexes: list[int]):
        self.indexes = indexes
        super().__init__(indexes)


@dataclass(frozen=True)
class VisitItemResult:
    index: int
    visit_external_id: str
    status: str  # created | duplicate | rejected
    invitation: str | None = None  # scheduled | not_sent_recent_contact
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "index": self.index,
            "visit_external_id": self.visit_external_id,
            "status": self.status,
        }
        if self.invitation:
            result["invitation"] = self.invitation
        if self.reason:
            result["reason"] = self.reason
        return result


# The API's field names, and the CSV column each one fills.
_CSV_COLUMN_OF = {
    "visit_external_id": "visit_id",
    "clinic": "clinic",
    "provider_external_id": "provider_id",
    "occurred_at": "occurred_at",
    "visit_type": "visit_type",
    "preferred_language": "language",
}
VISIT_FIELDS = (*_CSV_COLUMN_OF, "email", "phone", "channel")


def visit_item_values(item: Any) -> tuple[dict[str, str], str]:
    """An API item as CSV row values, or ({}, why) when it is not a usable object.

    E-mail and/or phone: the invitation goes by e-mail when there is an address (or by SMS when
    "channel" says so), else by SMS; one of them is needed.
    """
    if not isinstance(item, dict):
        return {}, _("each visit must be a JSON object")
    unknown = sorted(key for key in item if key not in VISIT_FIELDS)
    if unknown:
        return {}, _("unknown field(s): %(fields)s") % {"fields": ", ".join(unknown)}
    not_text = sorted(
        key for key, value in item.items() if value is not None and not isinstance(value, str)
    )
    if not_text:
        return {}, _("field(s) must be text: %(fields)s") % {"fields": ", ".join(not_text)}
    values = {column: (item.get(field) or "") for field, column in _CSV_COLUMN_OF.items()}
    email, phone = (item.get("email") or "").strip(), (item.get("phone") or "").strip()
    channel = (item.get("channel") or "").strip().lower()
    if not channel:
        channel = Channel.EMAIL if email else Channel.SMS
    if channel not in (Channel.EMAIL, Channel.SMS):
        return {}, _("channel must be email or sms")
    contact = email if channel == Channel.EMAIL else phone
    if not contact:
        return {}, _("an e-mail address or a phone number is needed")
    values.update(channel=channel, contact=contact)
    return values, ""


def visits_out_of_scope(*, items: list[Any], allowed_slugs: set[str]) -> list[int]:
    """Indexes of items naming a clinic outside the token's scope (unknown clinics included,
    so a token cannot learn which other clinics exist)."""
    return [
        index
        for index, item in enumerate(items)
        if isinstance(item, dict)
        and isinstance(item.get("clinic"), str)
        and item["clinic"].strip()
        and item["clinic"].strip() not in allowed_slugs
    ]


def visits_import(
    *, items: list[Any], allowed_slugs: set[str], now: dt.datetime | None = None
) -> list[VisitItemResult]:
    """Import a batch of API visits, each in its own transaction, with a result per item.

    Raises VisitsOutOfScope before writing anything when an item names a clinic the token may not
    write to: a misconfigured client is told loudly rather than getting part of its batch in.
    """
    if outside := visits_out_of_scope(items=items, allowed_slugs=allowed_slugs):
        raise VisitsOutOfScope(outside)
    now = now or timezone.now()
    parser = VisitRowParser(now=now)
    results = []
    for index, item in enumerate(items):
        external_id = item.get("visit_external_id") if isinstance(item, dict) else None
        external_id = external_id if isinstance(external_id, str) else ""
        values, problem = visit_item_values(item)
        if problem:
            results.append(VisitItemResult(index, external_id, "rejected", reason=problem))
            continue
        outcome, problem = visit_row_import(
            CsvRow(line=index, values=values), parser=parser, now=now
        )
        if outcome == "invalid":
            results.append(VisitItemResult(index, external_id, "rejected", reason=problem))
        elif outcome == "present":
            results.append(VisitItemResult(index, external_id, "duplicate"))
        elif outcome == "created":
            results.append(VisitItemResult(index, external_id, "created", invitation="scheduled"))
        else:
            results.append(
                VisitItemResult(
                    index,
                    external_id,
                    "created",
                    invitation="not_sent_recent_contact",
                    reason=_("the contact was invited in the last %(days)d days")
                    % {"days": settings.INVITATION_MIN_DAYS_BETWEEN},
                )
            )
    return results

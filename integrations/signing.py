"""Signing and verifying webhook bodies (HMAC-SHA256 over "timestamp.body"); no Django import.

A receiver checks a delivery with ``webhook_signature_verify`` (or the same four lines in its own
language): recompute the HMAC of ``f"{timestamp}.".encode() + raw_body`` with the endpoint's
secret, compare in constant time with the X-Compassion-Signature header (``sha256=<hex>``), and
refuse a timestamp older than a few minutes so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Compassion-Signature"
TIMESTAMP_HEADER = "X-Compassion-Timestamp"
EVENT_HEADER = "X-Compassion-Event"
DELIVERY_HEADER = "X-Compassion-Delivery"
# How old a timestamp a receiver accepts (seconds), both ways for clock skew.
DEFAULT_TOLERANCE_SECONDS = 300


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Compassion-Signature value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def webhook_signature_verify(
    *,
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """Whether ``signature`` is ours for this body and ``timestamp`` is recent enough."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_seconds:
        return False
    expected = webhook_signature(secret=secret, timestamp=sent_at, body=body)
    return hmac.compare_digest(expected, signature)

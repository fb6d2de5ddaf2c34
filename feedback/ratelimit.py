"""Cache-backed limit on kiosk survey submissions per client address (fixed windows), and the
one function that says what a request's client address is."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The address of the client, for rate limits only (never stored).

    Behind TRUSTED_PROXIES reverse proxies, REMOTE_ADDR is the nearest proxy's, so every
    patient would share one limit; the client is then the entry the outermost trusted proxy
    appended to X-Forwarded-For (entries further left can be forged by the client).
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        header = request.META.get("HTTP_X_FORWARDED_FOR", "")
        forwarded = [part.strip() for part in header.split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _window_key(client_address: str, window_seconds: int, now: float) -> str:
    # A keyed hash, so not even the cache holds the address itself.
    address = salted_hmac("feedback.kiosk-rate", client_address, algorithm="sha256").hexdigest()
    return f"kiosk-rate:{address}:{int(now // window_seconds)}"


def kiosk_submission_allowed(*, client_address: str, now: float | None = None) -> bool:
    """Count one submission from this address; False once it is over the limit for the window.

    Every attempt counts, valid or not, so a script cannot probe with invalid posts for free.
    A cache outage lets the submission through: losing a patient's answers is the worse harm.
    """
    window = settings.KIOSK_RATE_WINDOW_SECONDS
    key = _window_key(client_address, window, time.time() if now is None else now)
    try:
        count = window_count_increment(key, window)
    except Exception:  # noqa: BLE001 - any cache failure must not block the survey
        logger.warning("kiosk rate limit skipped: cache unavailable", exc_info=True)
        return True
    return count <= settings.KIOSK_RATE_LIMIT


def window_count_increment(key: str, window: int) -> int:
    """Add one to the window's count and return it (the kiosk's and the API's fixed windows).

    On Redis one pipelined round trip (INCR, then EXPIRE only if the key has no expiry yet), the
    busiest path of a kiosk POST; on any other cache, add then incr.
    """
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(full_key)
        pipeline.expire(full_key, window, nx=True)
        count, _ = pipeline.execute()
        return int(count)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def kiosk_retry_after_seconds(*, now: float | None = None) -> int:
    """Seconds until the current window ends (for the Retry-After header)."""
    window = settings.KIOSK_RATE_WINDOW_SECONDS
    now = time.time() if now is None else now
    return max(1, int(window - now % window))

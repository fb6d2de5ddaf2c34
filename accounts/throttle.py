"""Throttle failed staff sign-ins per username and per client address (cache-backed)."""

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 15 * 60


def _keys(username: str, client_address: str) -> list[str]:
    return [f"login-fail:user:{username.strip().lower()}", f"login-fail:addr:{client_address}"]


def login_is_throttled(*, username: str, client_address: str) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(username, client_address))


def login_failure_record(*, username: str, client_address: str) -> None:
    for key in _keys(username, client_address):
        if not cache.add(key, 1, WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, WINDOW_SECONDS)


def login_failures_clear(*, username: str) -> None:
    cache.delete(_keys(username, "")[0])

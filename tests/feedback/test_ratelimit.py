"""The kiosk rate limit's counter on Redis: one pipelined round trip, with the window's expiry."""

from django.core.cache import cache, caches
from django.test import override_settings

from feedback import ratelimit


def _redis():
    backend = caches["default"]
    return backend._cache.get_client(write=True), backend


@override_settings(KIOSK_RATE_LIMIT=2, KIOSK_RATE_WINDOW_SECONDS=600)
def test_the_window_count_rises_by_one_per_submission_and_expires_with_the_window():
    cache.clear()
    now = 1_800_000_000.0  # 600 * 3_000_000: the start of a window
    allowed = [
        ratelimit.kiosk_submission_allowed(client_address="198.51.100.20", now=now)
        for _ in range(3)
    ]
    assert allowed == [True, True, False]

    client, backend = _redis()
    key = backend.make_and_validate_key(ratelimit._window_key("198.51.100.20", 600, now))
    assert int(client.get(key)) == 3
    assert 0 < client.ttl(key) <= 600
    # A later count in the same window keeps the first expiry (EXPIRE ... NX).
    client.expire(key, 100)
    ratelimit.kiosk_submission_allowed(client_address="198.51.100.20", now=now + 1)
    assert client.ttl(key) <= 100
    # The next window starts again at one.
    assert ratelimit.kiosk_submission_allowed(client_address="198.51.100.20", now=now + 600)


def test_a_count_takes_one_round_trip_to_redis(monkeypatch):
    from redis.connection import Connection

    cache.clear()
    ratelimit.kiosk_submission_allowed(client_address="198.51.100.21")  # connected already
    sends = []
    original = Connection.send_packed_command

    def send_packed_command(self, command, *args, **kwargs):
        sends.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", send_packed_command)
    assert ratelimit.kiosk_submission_allowed(client_address="198.51.100.21")
    assert len(sends) == 1

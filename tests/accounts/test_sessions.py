"""Staff sessions end after STAFF_SESSION_IDLE_MINUTES idle and STAFF_SESSION_MAX_HOURS in all,
on staff pages and in the admin, and the sign-in page then says why."""

import time

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.sessions import (
    IDLE,
    LAST_SEEN_AT,
    MAX_AGE,
    SIGNED_IN_AT,
    session_end_reason,
)
from feedback.models import AuditEvent

MINUTE, HOUR = 60, 60 * 60


def test_a_session_ends_when_idle_too_long_or_signed_in_too_long():
    limits = {"idle_seconds": 30 * MINUTE, "max_seconds": 12 * HOUR}
    now = 100 * HOUR
    assert (
        session_end_reason(
            signed_in_at=now - HOUR, last_seen_at=now - 29 * MINUTE, now=now, **limits
        )
        is None
    )
    assert (
        session_end_reason(
            signed_in_at=now - HOUR, last_seen_at=now - 30 * MINUTE, now=now, **limits
        )
        == IDLE
    )
    assert (
        session_end_reason(signed_in_at=now - 12 * HOUR, last_seen_at=now, now=now, **limits)
        == MAX_AGE
    )


def _clocks_back(client, *, signed_in_ago: int, last_seen_ago: int) -> None:
    now = int(time.time())
    session = client.session
    session[SIGNED_IN_AT] = now - signed_in_ago
    session[LAST_SEEN_AT] = now - last_seen_ago
    session.save()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.hardening
def test_after_thirty_idle_minutes_the_next_page_is_the_sign_in_page_saying_why(client, manager_a):
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=2 * HOUR, last_seen_ago=31 * MINUTE)
    response = client.get(reverse("analytics:dashboard"), REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    page = client.get(response.url).content.decode()
    assert "You were signed out after 30 minutes without activity" in page
    assert not _signed_in(client)
    event = AuditEvent.objects.get(action="sign_out")
    assert (event.actor, event.details, event.client_address) == (
        manager_a,
        {"reason": "idle"},
        "198.51.100.3",
    )


@pytest.mark.hardening
def test_after_twelve_hours_the_session_ends_even_when_active(client, manager_a):
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=12 * HOUR + 1, last_seen_ago=MINUTE)
    response = client.get(reverse("staff:follow_ups"), follow=True)
    assert "You were signed out 12 hours after signing in" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.get(action="sign_out").details == {"reason": "max_age"}


def test_activity_within_the_limits_keeps_the_session_and_moves_the_idle_clock(
    client, manager_a, instrument
):
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=11 * HOUR, last_seen_ago=29 * MINUTE)
    assert client.get(reverse("analytics:dashboard")).status_code == 200
    assert _signed_in(client)
    assert int(time.time()) - client.session[LAST_SEEN_AT] < MINUTE


@override_settings(STAFF_SESSION_IDLE_MINUTES=5, STAFF_SESSION_MAX_HOURS=1)
def test_the_limits_come_from_the_settings(client, manager_a):
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=10 * MINUTE, last_seen_ago=6 * MINUTE)
    page = client.get(reverse("analytics:dashboard"), follow=True).content.decode()
    assert "signed out after 5 minutes without activity" in page
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=HOUR, last_seen_ago=0)
    page = client.get(reverse("analytics:dashboard"), follow=True).content.decode()
    assert "signed out 1 hour after signing in" in page


@pytest.mark.hardening
def test_the_admin_is_signed_out_when_idle_too_and_told_why(client, admin_user):
    client.force_login(admin_user)
    _clocks_back(client, signed_in_ago=HOUR, last_seen_ago=31 * MINUTE)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("admin:login"))
    assert "You were signed out after 30 minutes without activity" in response.content.decode()
    assert not _signed_in(client)


def test_signing_in_starts_both_clocks(client, manager_a):
    from tests.conftest import MANAGER_PASSWORD

    client.post(reverse("accounts:login"), {"username": "manager_a", "password": MANAGER_PASSWORD})
    now = int(time.time())
    assert now - client.session[SIGNED_IN_AT] < MINUTE
    assert now - client.session[LAST_SEEN_AT] < MINUTE


def test_the_session_cookie_lasts_no_longer_than_the_absolute_limit(settings):
    assert settings.SESSION_COOKIE_AGE <= settings.STAFF_SESSION_MAX_HOURS * HOUR


def test_the_sign_out_message_is_in_the_users_language(client, manager_a):
    client.force_login(manager_a)
    _clocks_back(client, signed_in_ago=HOUR, last_seen_ago=31 * MINUTE)
    page = client.get(
        reverse("analytics:dashboard"), follow=True, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Se cerró su sesión tras 30 minutos sin actividad" in page

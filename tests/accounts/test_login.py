"""Staff and admin sign-in work, failures are limited per username and per address (counted in
PostgreSQL, so a Redis outage changes nothing), and every attempt is audited."""

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse

from feedback.models import AuditEvent

PASSWORD = "correct-horse-battery"
# A cache nobody listens on: every cache call fails at once (connection refused).
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def manager(db):
    return User.objects.create_user("manager", password=PASSWORD)


def sign_in(client, password, *, username="manager", address="127.0.0.1", url=None):
    return client.post(
        url or reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_correct_password_signs_in(client, manager):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_after_three_failures_even_the_right_password_is_refused(client, manager):
    for _ in range(3):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = sign_in(client, PASSWORD)
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_failed_sign_in_page_title_starts_with_error(client, manager):
    response = sign_in(client, "wrong")
    assert "<title>Error:" in response.content.decode()


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_limit_holds_per_username_across_addresses(client, manager):
    for number in range(3):
        sign_in(client, "wrong", address=f"203.0.113.{number}")
    sign_in(client, PASSWORD, address="198.51.100.9")
    assert not signed_in(client)


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_limit_holds_per_address_across_usernames(client, manager):
    for name in ("alice", "bob", "carol"):
        sign_in(client, "wrong", username=name)
    sign_in(client, PASSWORD)
    assert not signed_in(client)
    sign_in(client, PASSWORD, address="198.51.100.9")  # another address is not affected
    assert signed_in(client)


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_look_alike_spellings_of_a_username_share_its_count(client, manager):
    # Fullwidth letters normalise (NFKC) to the same username, and case is ignored.
    for number, spelling in enumerate(("ｍａｎａｇｅｒ", "MANAGER", " manager ")):
        sign_in(client, "wrong", username=spelling, address=f"203.0.113.{number}")
    sign_in(client, PASSWORD, address="198.51.100.9")
    assert not signed_in(client)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_success_ends_the_usernames_run_of_failures(client, manager):
    sign_in(client, "wrong", address="203.0.113.1")
    sign_in(client, "wrong", address="203.0.113.2")
    sign_in(client, PASSWORD, address="203.0.113.3")
    client.logout()
    sign_in(client, "wrong", address="203.0.113.4")
    sign_in(client, "wrong", address="203.0.113.5")
    sign_in(client, PASSWORD, address="203.0.113.6")
    assert signed_in(client)


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_failures_lock_out_and_refusals_are_audited_with_username_and_address(client, manager):
    for _ in range(4):
        sign_in(client, "wrong", address="203.0.113.5")
    sign_in(client, PASSWORD, address="203.0.113.5")
    assert actions() == [
        "sign_in_failed",
        "sign_in_failed",
        "sign_in_lockout",
        "sign_in_refused",
        "sign_in_refused",
    ]
    rows = AuditEvent.objects.values_list("username", "client_address", "actor")
    assert set(rows) == {("manager", "203.0.113.5", None)}
    assert not AuditEvent.objects.filter(details__has_key="password").exists()
    assert "wrong" not in str(list(AuditEvent.objects.values()))


def test_sign_in_and_sign_out_are_audited_with_user_time_and_address(client, manager):
    sign_in(client, PASSWORD, address="198.51.100.20")
    client.post(reverse("accounts:logout"), REMOTE_ADDR="198.51.100.20")
    sign_in_event, sign_out_event = AuditEvent.objects.order_by("pk")
    assert (sign_in_event.action, sign_in_event.actor, sign_in_event.client_address) == (
        "sign_in",
        manager,
        "198.51.100.20",
    )
    assert (sign_out_event.action, sign_out_event.actor, sign_out_event.client_address) == (
        "sign_out",
        manager,
        "198.51.100.20",
    )
    assert sign_out_event.details == {"reason": "signed_out"}
    assert sign_in_event.created_at <= sign_out_event.created_at


@override_settings(TRUSTED_PROXIES=1)
def test_behind_a_proxy_the_audited_address_is_the_forwarded_client(client, manager):
    client.post(
        reverse("accounts:login"),
        {"username": "manager", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )
    assert AuditEvent.objects.get().client_address == "192.0.2.44"


@pytest.mark.hardening
def test_an_overlong_username_is_refused_not_a_500(client, manager):
    response = sign_in(client, "wrong", username="x" * 10_000)
    assert response.status_code == 200 and not signed_in(client)


@pytest.mark.hardening
def test_twenty_wrong_admin_passwords_then_the_right_one_is_refused(client, admin_user):
    from tests.conftest import ADMIN_PASSWORD

    admin_login = reverse("admin:login")
    for _ in range(20):
        response = sign_in(client, "wrong", username="admin", url=admin_login)
        assert response.status_code == 200
    response = sign_in(client, ADMIN_PASSWORD, username="admin", url=admin_login)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)
    assert "sign_in_lockout" in actions()


def test_admin_sign_in_still_works_and_still_refuses_non_staff(client, admin_user, manager):
    from tests.conftest import ADMIN_PASSWORD

    admin_login = reverse("admin:login")
    sign_in(client, PASSWORD, url=admin_login)  # a manager is not staff: no admin for them
    assert not signed_in(client)
    response = sign_in(client, ADMIN_PASSWORD, username="admin", url=admin_login)
    assert response.status_code == 302 and signed_in(client)


@pytest.mark.hardening
@pytest.mark.services
@override_settings(LOGIN_FAILURE_LIMIT=3, CACHES=REDIS_DOWN)
def test_sign_in_works_and_the_limit_still_counts_with_redis_down(client, manager):
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017 - the cache really is unreachable
        cache.get("anything")
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    client.logout()
    for _ in range(3):
        assert sign_in(client, "wrong").status_code == 200
    response = sign_in(client, PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert not signed_in(client)

"""Staff sign-in works, and repeated failures are throttled."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def manager(db):
    return User.objects.create_user("manager", password="correct-horse-battery")


def sign_in(client, password):
    return client.post(reverse("accounts:login"), {"username": "manager", "password": password})


def test_correct_password_signs_in(client, manager):
    response = sign_in(client, "correct-horse-battery")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(manager.pk)


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_after_three_failures_even_the_right_password_is_refused(client, manager):
    for _ in range(3):
        response = sign_in(client, "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = sign_in(client, "correct-horse-battery")
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_sign_in_page_title_starts_with_error(client, manager):
    response = sign_in(client, "wrong")
    assert "<title>Error:" in response.content.decode()

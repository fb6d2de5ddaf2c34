"""A burst of parallel wrong passwords cannot all be checked before the first failures count."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from feedback.models import AuditEvent

ATTEMPTS = 8


@pytest.mark.hardening
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit():
    User.objects.create_user("manager", password="correct-horse-battery")
    start = threading.Barrier(ATTEMPTS)
    errors = []

    def attempt(number: int) -> None:
        try:
            start.wait()
            Client().post(
                reverse("accounts:login"),
                {"username": "manager", "password": f"guess-{number}"},
                REMOTE_ADDR=f"203.0.113.{number}",
            )
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    checked = AuditEvent.objects.filter(action__in=["sign_in_failed", "sign_in_lockout"])
    assert checked.count() == 3
    assert AuditEvent.objects.filter(action="sign_in_lockout").count() == 1
    assert AuditEvent.objects.filter(action="sign_in_refused").count() == ATTEMPTS - 3

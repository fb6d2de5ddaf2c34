"""The sign-in counter read straight from the audit log: its window, and the step-1 API that the
two-factor step counts wrong codes with."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.throttle import (
    WINDOW,
    login_failure_record,
    login_failures_clear,
    login_is_throttled,
    sign_in_failures,
)
from feedback.models import AuditEvent


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_wrong_codes_count_like_wrong_passwords_and_the_third_locks(db):
    for _ in range(3):
        assert not login_is_throttled(username="Manager", client_address="203.0.113.1")
        login_failure_record(username="Manager", client_address="203.0.113.1")
    assert login_is_throttled(username="manager", client_address="198.51.100.1")
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "sign_in_failed",
        "sign_in_failed",
        "sign_in_lockout",
    ]
    login_failures_clear(username="manager")  # the password step's success already counted
    assert login_is_throttled(username="manager", client_address="198.51.100.1")


@pytest.mark.hardening
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_the_lock_ends_when_the_failures_leave_the_fifteen_minute_window(db):
    for _ in range(3):
        login_failure_record(username="manager", client_address="203.0.113.1")
    assert sign_in_failures(username="manager", client_address="203.0.113.1") == (3, 3)
    AuditEvent.objects.update(created_at=timezone.now() - WINDOW - dt.timedelta(seconds=1))
    assert sign_in_failures(username="manager", client_address="203.0.113.1") == (0, 0)
    assert not login_is_throttled(username="manager", client_address="203.0.113.1")

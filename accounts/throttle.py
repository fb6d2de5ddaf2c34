"""Limits on staff sign-in and password-reset requests, counted from the audit log in PostgreSQL.

Every attempt is an audit row anyway (issue 11), so the rows are the counter: failures per
username since its last success, and per client address, within a 15-minute window, read
through two indexes. Sign-in therefore needs no cache at all: with Redis down or slow it works
as before, and the limit still holds. The address count is not reset by a success, so one
valid account cannot be used to reset a password-spraying address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from feedback.audit import audit_record
from feedback.models import AuditEvent

WINDOW = dt.timedelta(minutes=15)
Action = AuditEvent.Action
FAILURES = (Action.SIGN_IN_FAILED, Action.SIGN_IN_LOCKOUT)
# Advisory-lock classes for pg_advisory_xact_lock(class, hashtext(key)); far above any clinic
# id, which analytics uses as the first key of its (clinic, month) locks.
_LOCK_USERNAME = 0x5369676E  # "Sign"
_LOCK_ADDRESS = 0x41646472  # "Addr"


class SignInLocked(Exception):
    """Too many failures for this username or address: the credentials were not even checked."""


def username_key(username: str) -> str:
    """What the limits count by: the username (or e-mail) as typed, trimmed and lower-cased."""
    return username.strip().lower()


@contextmanager
def _serialised(*, username: str, client_address: str) -> Iterator[None]:
    """One attempt at a time per username and per address, so a burst of parallel posts cannot
    all pass the check before any failure is counted. Username lock first, then address lock,
    always in that order, so two attempts never wait for each other in a cycle."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [_LOCK_USERNAME, username]
                )
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                    [_LOCK_ADDRESS, client_address],
                )
        yield


def _failures_by_username(username: str, since: dt.datetime, limit: int) -> int:
    """Failures since the username's last success (at most ``limit`` rows are read)."""
    recent = (
        AuditEvent.objects.filter(
            username=username,
            created_at__gte=since,
            action__in=[Action.SIGN_IN, *FAILURES],
        )
        .order_by("-created_at")
        .values_list("action", flat=True)[:limit]
    )
    failures = 0
    for action in recent:
        if action == Action.SIGN_IN:
            break
        failures += 1
    return failures


def _failures_by_address(client_address: str, since: dt.datetime, limit: int) -> int:
    return (
        AuditEvent.objects.filter(
            client_address=client_address, created_at__gte=since, action__in=FAILURES
        )
        .values("pk")[:limit]
        .count()
    )


def sign_in_failures(
    *, username: str, client_address: str, now: dt.datetime | None = None
) -> tuple[int, int]:
    """(failures for this username, failures from this address) in the window, each capped at
    the limit."""
    limit = settings.LOGIN_FAILURE_LIMIT
    since = (now or timezone.now()) - WINDOW
    return (
        _failures_by_username(username_key(username), since, limit),
        _failures_by_address(client_address, since, limit) if client_address else 0,
    )


def sign_in_attempt(
    *,
    username: str,
    client_address: str,
    credentials_check: Callable[[], AbstractBaseUser | None],
) -> None:
    """Check the credentials unless the username or the address is locked out, and audit it.

    ``credentials_check`` returns the user (None when there was nothing to check, e.g. an
    empty field), or raises ValidationError for wrong credentials (e.g. the form's own clean).
    A failure is audited as failed, or as the lock-out when it reaches the limit; an attempt
    while locked is audited as refused and raises SignInLocked without checking the password.
    A success is audited as a sign-in: it ends the username's run of failures.
    """
    key = username_key(username)
    refusal: Exception | None = None
    with _serialised(username=key, client_address=client_address):
        by_username, by_address = sign_in_failures(username=key, client_address=client_address)
        limit = settings.LOGIN_FAILURE_LIMIT
        if max(by_username, by_address) >= limit:
            audit_record(
                actor=None,
                action=Action.SIGN_IN_REFUSED,
                username=key,
                client_address=client_address,
            )
            refusal = SignInLocked()
        else:
            try:
                user = credentials_check()
            except ValidationError as error:
                _failure_record(key, client_address, already=max(by_username, by_address))
                refusal = error
            else:
                if user is not None:
                    audit_record(
                        actor=user,
                        action=Action.SIGN_IN,
                        username=key,
                        client_address=client_address,
                    )
    # Raised after the block, so the audit row commits with the refusal.
    if refusal is not None:
        raise refusal


def _failure_record(key: str, client_address: str, *, already: int) -> None:
    """A failure, audited as the lock-out when it is the one that reaches the limit."""
    reaches_limit = already + 1 >= settings.LOGIN_FAILURE_LIMIT
    audit_record(
        actor=None,
        action=Action.SIGN_IN_LOCKOUT if reaches_limit else Action.SIGN_IN_FAILED,
        username=key,
        client_address=client_address,
    )


# The step-1 API (then cache-backed), kept for code written against it (the two-factor branch
# counts wrong codes with it); it now reads and writes the same PostgreSQL counter.


def login_is_throttled(*, username: str, client_address: str) -> bool:
    return max(sign_in_failures(username=username, client_address=client_address)) >= (
        settings.LOGIN_FAILURE_LIMIT
    )


def login_failure_record(*, username: str, client_address: str) -> None:
    key = username_key(username)
    with _serialised(username=key, client_address=client_address):
        already = max(sign_in_failures(username=key, client_address=client_address))
        _failure_record(key, client_address, already=already)


def login_failures_clear(*, username: str) -> None:
    """Nothing to do: the password step's sign_in row (sign_in_attempt) already ended the
    username's run of failures."""


def password_reset_request_allowed(*, email: str, client_address: str) -> bool:
    """Count one password-reset request for this e-mail from this address; False (nothing
    counted, nothing sent) once either has PASSWORD_RESET_LIMIT requests in the window.

    Whether an account has that address plays no part, so the answer reveals nothing.
    """
    key = username_key(email)
    limit = settings.PASSWORD_RESET_LIMIT
    with _serialised(username=key, client_address=client_address):
        since = timezone.now() - WINDOW
        requests = AuditEvent.objects.filter(
            action=Action.PASSWORD_RESET_REQUEST, created_at__gte=since
        )
        by_email = requests.filter(username=key).values("pk")[:limit].count()
        by_address = (
            requests.filter(client_address=client_address).values("pk")[:limit].count()
            if client_address
            else 0
        )
        if max(by_email, by_address) >= limit:
            return False
        audit_record(
            actor=None,
            action=Action.PASSWORD_RESET_REQUEST,
            username=key,
            client_address=client_address,
        )
        return True

"""Staff session limits: signed out after STAFF_SESSION_IDLE_MINUTES without activity, and
STAFF_SESSION_MAX_HOURS after signing in, whatever the activity; the next page says why."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext

SIGNED_IN_AT = "staff_signed_in_at"
LAST_SEEN_AT = "staff_last_seen_at"
IDLE = "idle"
MAX_AGE = "max_age"
# Activity is written to the session at most once a minute, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def session_end_reason(
    *, signed_in_at: int, last_seen_at: int, now: int, idle_seconds: int, max_seconds: int
) -> str | None:
    """Why a session must end now (IDLE or MAX_AGE), or None while it may go on."""
    if now - signed_in_at >= max_seconds:
        return MAX_AGE
    if now - last_seen_at >= idle_seconds:
        return IDLE
    return None


def staff_session_start(session: SessionBase, *, now: int | None = None) -> None:
    """Start both clocks (called when someone signs in)."""
    now = int(time.time()) if now is None else now
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now


def _sign_out_message(reason: str) -> str:
    if reason == MAX_AGE:
        hours = settings.STAFF_SESSION_MAX_HOURS
        return ngettext(
            "You were signed out %(hours)d hour after signing in. Please sign in again.",
            "You were signed out %(hours)d hours after signing in. Please sign in again.",
            hours,
        ) % {"hours": hours}
    minutes = settings.STAFF_SESSION_IDLE_MINUTES
    return ngettext(
        "You were signed out after %(minutes)d minute without activity. Please sign in again.",
        "You were signed out after %(minutes)d minutes without activity. Please sign in again.",
        minutes,
    ) % {"minutes": minutes}


class StaffSessionLimitsMiddleware:
    """Ends a signed-in session that is idle or too old (staff pages and the admin alike).

    Placed after the authentication and message middleware: it signs the user out before the
    view runs, so the view answers as for anyone signed out (the sign-in page), which shows
    the message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._session_check(request)
        return self.get_response(request)

    def _session_check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        if SIGNED_IN_AT not in session:  # a session from before these limits: start now
            staff_session_start(session, now=now)
            return
        reason = session_end_reason(
            signed_in_at=session[SIGNED_IN_AT],
            last_seen_at=session.get(LAST_SEEN_AT, session[SIGNED_IN_AT]),
            now=now,
            idle_seconds=settings.STAFF_SESSION_IDLE_MINUTES * 60,
            max_seconds=settings.STAFF_SESSION_MAX_HOURS * 3600,
        )
        if reason is not None:
            request.staff_sign_out_reason = reason  # read by the sign-out audit (signals)
            logout(request)
            messages.info(request, _sign_out_message(reason))
        elif now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_AT] = now

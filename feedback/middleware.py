"""Site-wide request handling: the staff pages' language, and a database outage answered with
"try again in a minute" (503), never a stack trace."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

RETRY_AFTER_SECONDS = 60

logger = logging.getLogger(__name__)


class PatientOnlyLanguageMiddleware:
    """A language translated for patients only (PATIENT_ONLY_LANGUAGES) is not used for staff.

    Runs after LocaleMiddleware. A manager whose browser asks for Arabic gets the staff pages in
    LANGUAGE_CODE rather than half-translated right-to-left pages. Patient views pick their own
    language from ?lang= or the browser (feedback.views._language_use), so they still offer it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.LANGUAGE_CODE in settings.PATIENT_ONLY_LANGUAGES:
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Turns a refused or lost database connection raised by a view into the friendly 503 page.

    Nothing is half-stored by then: every write is one atomic service, rolled back with the
    error. Django drops the broken connection before the next request (CONN_HEALTH_CHECKS), so
    the portal recovers by itself once PostgreSQL is back, with no restart.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        # The view's name, not the path: an invitation link's path holds its token.
        view = request.resolver_match.view_name if request.resolver_match else "?"
        logger.error(
            "Database unavailable (%s %s): %s",
            request.method,
            view,
            str(exception).strip(),
            exc_info=exception,
        )
        language = request.GET.get("lang", "")
        with translation.override(
            language if language in dict(settings.LANGUAGES) else translation.get_language()
        ):
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response

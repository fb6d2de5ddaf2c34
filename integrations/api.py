"""The machine API (django-ninja) under /api/v1/: visits in, FHIR R4 out; OpenAPI at /schema.

Views stay thin: authenticate (one bearer-token class, which also counts the rate limit), check
the request's shape and size, call one service or selector, answer JSON. Every error is a JSON
body ``{"detail": ...}`` (FHIR reads answer an OperationOutcome). Token auth, never a session, is
why these views need no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from feedback.audit import audit_record
from feedback.middleware import RETRY_AFTER_SECONDS
from feedback.models import AuditEvent
from feedback.services import instrument_definition
from integrations import fhir
from integrations.models import ApiToken
from integrations.selectors import fhir_responses, fhir_responses_page, instrument_for_fhir
from integrations.services import (
    VISIT_FIELDS,
    VisitsOutOfScope,
    api_retry_after_seconds,
    api_token_authenticate,
    api_token_call_allowed,
    token_clinic_slugs,
    token_clinics,
    visits_import,
)

logger = logging.getLogger(__name__)


class ApiRateLimited(Exception):
    pass


class ApiTokenAuth(HttpBearer):
    """``Authorization: Bearer cpk_...``; each authenticated call counts toward the rate limit."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is not None and not api_token_call_allowed(token_id=api_token.pk):
            raise ApiRateLimited()
        return api_token


api = NinjaAPI(
    title="Compassion Portal API",
    version="1",
    description="Visits from a clinic's systems in; survey results out as FHIR R4.",
    openapi_url="/schema",
    docs_url=None,  # the Swagger page loads scripts from a CDN, which the CSP forbids
    urls_namespace="api_v1",
    auth=ApiTokenAuth(),
)


def _error(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthorised(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(401, _("Missing, unknown or revoked API token."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _parameter_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A query or path parameter of the wrong type: 400 naming it, not ninja's 422 list."""
    problems = "; ".join(
        f"{error['loc'][-1]}: {error['msg']}" for error in exc.errors if error.get("loc")
    )
    return _error(400, _("Bad parameter (%(problems)s).") % {"problems": problems})


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The site's friendly 503 (feedback.middleware), as JSON: a client system retries later."""
    logger.error("Database unavailable (API %s %s): %s", request.method, request.path, exc)
    response = _error(503, _("The service is briefly unavailable. Try again in a minute."))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@api.exception_handler(ApiRateLimited)
def _rate_limited(request: HttpRequest, exc: ApiRateLimited) -> HttpResponse:
    retry_after = api_retry_after_seconds()
    response = _error(
        429,
        _("Too many calls with this token. Try again in %(seconds)d seconds.")
        % {"seconds": retry_after},
    )
    response["Retry-After"] = str(retry_after)
    return response


class ErrorOut(Schema):
    detail: str


class ScopeErrorOut(Schema):
    detail: str
    items: list[int]


class VisitResultOut(Schema):
    index: int
    visit_external_id: str
    status: str
    invitation: str | None = None
    reason: str | None = None


class VisitsOut(Schema):
    created: int
    duplicate: int
    rejected: int
    results: list[VisitResultOut]


_VISIT_ITEM_SCHEMA = {
    "type": "object",
    "required": ["visit_external_id", "clinic", "occurred_at"],
    "additionalProperties": False,
    "properties": {
        "visit_external_id": {"type": "string", "maxLength": 100},
        "clinic": {"type": "string", "description": "The clinic's slug."},
        "provider_external_id": {"type": "string"},
        "occurred_at": {
            "type": "string",
            "description": "ISO 8601; without an offset it is the clinic's local time.",
        },
        "visit_type": {"type": "string"},
        "preferred_language": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": "string"},
        "channel": {"type": "string", "enum": ["email", "sms"]},
    },
}
assert set(_VISIT_ITEM_SCHEMA["properties"]) == set(VISIT_FIELDS)


def _json_body(request: HttpRequest) -> tuple[Any, JsonResponse | None]:
    """The parsed body, or an error answer: 413 past API_MAX_BODY_BYTES, 400 for bad JSON.

    Read from the stream with our own limit (the form limit DATA_UPLOAD_MAX_MEMORY_SIZE is
    for forms, not for a batch of visits).
    """
    limit = settings.API_MAX_BODY_BYTES
    too_big = _error(
        413,
        _("The body is larger than %(limit)d bytes; send fewer visits per call.")
        % {"limit": limit},
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None, too_big
    raw = request.read(limit + 1)
    if len(raw) > limit:
        return None, too_big
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, _error(400, _("The body is not valid JSON: %(error)s") % {"error": exc})
    except RecursionError:  # "[[[[...]]]]" nested deeper than Python's parser goes
        return None, _error(400, _("The body is nested too deeply."))


@api.post(
    "/visits",
    response={
        200: VisitsOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ScopeErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    summary="Add visits; each one's invitation is scheduled as for the CSV import",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "array", "items": _VISIT_ITEM_SCHEMA}}
            },
        }
    },
)
def visits_post(request: HttpRequest):
    """A JSON list of visits. Idempotent on (clinic, visit_external_id): a repeat is
    "duplicate". A visit whose contact was invited in the last 30 days is created without an
    invitation. Any item naming a clinic outside the token's scope refuses the whole call (403)
    before anything is stored."""
    items, problem = _json_body(request)
    if problem is not None:
        return problem
    if not isinstance(items, list):
        return _error(400, _("The body must be a JSON list of visits."))
    if not items:
        return _error(400, _("The list of visits is empty."))
    if len(items) > settings.API_MAX_ITEMS:
        return _error(
            413,
            _("%(count)d visits in one call; at most %(limit)d are accepted.")
            % {"count": len(items), "limit": settings.API_MAX_ITEMS},
        )
    try:
        results = visits_import(items=items, allowed_slugs=token_clinic_slugs(request.auth))
    except VisitsOutOfScope as exc:
        return _error(
            403,
            _("This token may not add visits to the clinic of these items; nothing was stored."),
            items=exc.indexes,
        )
    counts = {status: 0 for status in ("created", "duplicate", "rejected")}
    for result in results:
        counts[result.status] += 1
    return {**counts, "results": [result.as_dict() for result in results]}


def _fhir(resource: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False),
        status=status,
        content_type=f"{fhir.FHIR_JSON}; charset=utf-8",
    )


def _fhir_error(status: int, code: str, diagnostics: str) -> HttpResponse:
    return _fhir(fhir.operation_outcome(code=code, diagnostics=diagnostics), status=status)


def _questionnaire_url(slug: str) -> str:
    return settings.SITE_URL + reverse("api_v1:fhir_questionnaire", args=[slug])


@api.get(
    "/fhir/Questionnaire/{instrument}",
    url_name="fhir_questionnaire",
    summary="An instrument as a FHIR R4 Questionnaire",
)
def fhir_questionnaire(request: HttpRequest, instrument: str, version: int | None = None):
    found = instrument_for_fhir(instrument, version)
    if found is None:
        return _fhir_error(404, "not-found", _("No survey with this name (and version)."))
    resource = fhir.questionnaire(instrument_definition(found), url=_questionnaire_url(found.slug))
    return _fhir(resource)


def _since_parse(raw: str) -> dt.datetime:
    """A date (midnight UTC) or a date-time (UTC without an offset); ValueError otherwise.

    An unencoded "+01:00" offset arrives as " 01:00" (a + in a query string is a space)."""
    raw = raw.strip().replace("Z", "+00:00")
    if "T" in raw and " " in raw:
        raw = raw.replace(" ", "+")
    moment = dt.datetime.fromisoformat(raw)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@api.get(
    "/fhir/QuestionnaireResponse",
    url_name="fhir_questionnaire_responses",
    summary="Patient responses as a FHIR R4 searchset Bundle, oldest first, paged",
)
def fhir_questionnaire_responses(
    request: HttpRequest,
    clinic: str = "",
    since: str = "",
    count: int = Query(0, alias="_count"),
    after: int = Query(0, alias="_after"),
):
    """Responses of the token's clinics (or of ``clinic``, one of them) submitted at or after
    ``since``; follow the Bundle's ``next`` link for the following page."""
    clinics = token_clinics(request.auth)
    if clinic:
        clinics = clinics.filter(slug=clinic)
        if not clinics.exists():
            return _fhir_error(403, "forbidden", _("This token may not read this clinic."))
    try:
        since_at = _since_parse(since) if since else None
    except ValueError:
        return _fhir_error(
            400, "invalid", _("since must be an ISO 8601 date or date-time, e.g. 2026-11-01.")
        )
    page_size = min(count, settings.FHIR_PAGE_SIZE) if count > 0 else settings.FHIR_PAGE_SIZE
    responses = fhir_responses(clinics=clinics, since=since_at)
    page, more = fhir_responses_page(responses, after_id=max(after, 0), page_size=page_size)
    resources = []
    for response in page:
        stored = fhir.StoredResponse(
            id=response.pk,
            authored=response.submitted_at,
            language=response.language,
            clinic_slug=response.clinic.slug,
            answers=response.answers,
        )
        resources.append(
            fhir.questionnaire_response(
                stored,
                definition=instrument_definition(response.instrument),
                questionnaire_url=_questionnaire_url(response.instrument.slug),
            )
        )
    endpoint = settings.SITE_URL + reverse("api_v1:fhir_questionnaire_responses")
    query = {key: value for key, value in (("clinic", clinic), ("since", since)) if value}
    query["_count"] = page_size
    self_url = f"{endpoint}?{urlencode({**query, '_after': after} if after else query)}"
    next_url = f"{endpoint}?{urlencode({**query, '_after': page[-1].pk})}" if more else None
    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditEvent.Action.EXPORT,
            clinic=clinics.first() if clinic else None,
            target=f"api_token:{request.auth.pk}",
            details={
                "format": "fhir-questionnaire-response",
                "token": request.auth.name,
                "clinics": sorted(clinics.values_list("slug", flat=True)),
                "since": since,
                "after": after,
                "rows": len(resources),
                "at": timezone.now().isoformat(),
            },
        )
    bundle = fhir.searchset_bundle(
        resources=resources,
        base_url=settings.SITE_URL + "/api/v1/fhir",
        self_url=self_url,
        next_url=next_url,
        total=responses.count(),
    )
    return _fhir(bundle)

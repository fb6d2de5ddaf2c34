"""Patient pages: the invitation survey, the kiosk survey, thank-you and the printable QR code."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from feedback.forms import SurveyForm
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import Channel, Clinic, Invitation, Testimonial
from feedback.ratelimit import kiosk_retry_after_seconds, kiosk_submission_allowed
from feedback.services import (
    AnswersInvalid,
    InvitationUnavailable,
    instrument_current,
    instrument_definition,
    invitation_by_token,
    response_submit,
)

# Tokens are 32 characters; anything far longer is not worth hashing.
TOKEN_MAX_LENGTH = 100


def _site_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def _language_use(request: HttpRequest, *, default: str, offered: tuple[str, ...]) -> str:
    """The page language: ?lang= when offered, else the default, else the first one offered.

    The choice travels in the URL (links and the form's action) rather than a cookie, so a
    shared kiosk tablet never carries one patient's choice over to the next.
    """
    supported = [code for code in offered if code in dict(settings.LANGUAGES)] or ["en"]
    language = request.GET.get("lang", "")
    if language not in supported:
        language = default if default in supported else supported[0]
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _link_unavailable(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    reason = "used" if invitation.used_at is not None else "expired"
    return render(request, "feedback/link_unavailable.html", {"reason": reason}, status=410)


def _survey(
    request: HttpRequest,
    *,
    clinic: Clinic,
    language_default: str,
    invitation: Invitation | None = None,
) -> HttpResponse:
    """Show the form, or store a valid submission and go to the thank-you page."""
    instrument = instrument_current()
    definition: InstrumentDefinition = instrument_definition(instrument)
    language = _language_use(request, default=language_default, offered=definition.languages)
    if request.method == "POST":
        form = SurveyForm(request.POST, definition=definition, language=language)
        if form.is_valid():
            try:
                response_submit(
                    instrument=instrument,
                    clinic=clinic,
                    answers=form.answers(),
                    language=language,
                    channel=Channel.QR,
                    invitation=invitation,
                    comment=form.cleaned_data["comment"],
                    testimonial_text=form.cleaned_data["story"],
                    testimonial_consent=(form.cleaned_data["story_consent"]
                                         or Testimonial.Consent.PRIVATE),
                    testimonial_first_name=form.cleaned_data["story_first_name"],
                )
            except InvitationUnavailable:
                invitation.refresh_from_db(fields=["used_at", "expires_at"])
                return _link_unavailable(request, invitation)
            except AnswersInvalid as exc:
                form.add_service_problems(exc.problems)
            else:
                return redirect(reverse("feedback:thanks") + "?" + urlencode({"lang": language}))
        status = 400
    else:
        form = SurveyForm(definition=definition, language=language)
        status = 200
    form.helper.form_action = "?" + urlencode({"lang": language})
    context = {
        "form": form,
        "clinic": clinic,
        "survey_title": definition.name.get(language, instrument.name),
        "intro": definition.intro.get(language, ""),
        # Named in the instructions so patients know the way out of a question that does not fit.
        "na_label": next((item.scale.na_label.get(language, "") for item in definition.items
                          if item.allow_na), ""),
        "languages": [code for code in definition.languages if code in dict(settings.LANGUAGES)],
    }
    return render(request, "feedback/survey.html", context, status=status)


@require_http_methods(["GET", "POST"])
def survey_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token) if len(token) <= TOKEN_MAX_LENGTH else None
    if invitation is None:
        _language_use(request, default=request.LANGUAGE_CODE, offered=_site_languages())
        return render(request, "feedback/link_unknown.html", status=404)
    if invitation.used_at is not None or invitation.is_expired():
        _language_use(request, default=invitation.language, offered=_site_languages())
        return _link_unavailable(request, invitation)
    return _survey(
        request,
        clinic=invitation.visit.clinic,
        language_default=invitation.language,
        invitation=invitation,
    )


@require_http_methods(["GET", "POST"])
def survey_kiosk(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """The anonymous survey behind a clinic's QR code; no address or browser is stored."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    if request.method == "POST" and not kiosk_submission_allowed(
        client_address=request.META.get("REMOTE_ADDR", "")
    ):
        _language_use(request, default=request.LANGUAGE_CODE, offered=_site_languages())
        response = render(request, "feedback/rate_limited.html", status=429)
        response["Retry-After"] = str(kiosk_retry_after_seconds())
        return response
    return _survey(request, clinic=clinic, language_default=request.LANGUAGE_CODE)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    _language_use(request, default=request.LANGUAGE_CODE, offered=_site_languages())
    return render(request, "feedback/thanks.html")


def _kiosk_url(clinic: Clinic) -> str:
    return settings.SITE_URL + reverse("feedback:survey_kiosk", args=[clinic.slug])


@require_GET
def clinic_qr(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """A page to print and put up in the clinic: the QR code and the address in words."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    _language_use(request, default=request.LANGUAGE_CODE, offered=_site_languages())
    context = {"clinic": clinic, "kiosk_url": _kiosk_url(clinic)}
    return render(request, "feedback/clinic_qr.html", context)


@require_GET
def clinic_qr_svg(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    buffer = io.BytesIO()
    segno.make(_kiosk_url(clinic), error="m").save(
        buffer, kind="svg", scale=10, border=4, title=clinic.name, xmldecl=False
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="qr-{clinic.slug}.svg"'
    return response

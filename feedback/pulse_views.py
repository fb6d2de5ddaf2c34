"""Staff wellbeing pulse pages: the survey from a single-use or shared link, then support.

Like the patient survey these pages are never cached (a shared computer's Back button must not
show someone's answers), and the support page says nothing about the person's own scores.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from feedback.forms import PulseForm
from feedback.models import PulseRound, StaffInvitation
from feedback.pulse import (
    RoundClosed,
    StaffLinkUnavailable,
    pulse_response_submit,
    pulse_round_by_shared_token,
    staff_invitation_by_token,
)
from feedback.services import AnswersInvalid, instrument_definition
from feedback.texts import text_in
from feedback.views import (
    TOKEN_MAX_LENGTH,
    _language_use,
    _unreadable_field_names,
    kiosk_rate_limited,
)


def _closed(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/pulse_closed.html", status=410)


def _pulse_survey(
    request: HttpRequest, *, pulse_round: PulseRound, invitation: StaffInvitation | None = None
) -> HttpResponse:
    definition = instrument_definition(pulse_round.instrument)
    language = _language_use(request, offered=definition.languages)
    if request.method == "POST":
        form = PulseForm(
            request.POST,
            definition=definition,
            language=language,
            unreadable_fields=_unreadable_field_names(request),
        )
        if form.is_valid():
            try:
                pulse_response_submit(
                    pulse_round=pulse_round,
                    answers=form.answers(),
                    language=language,
                    invitation=invitation,
                )
            except StaffLinkUnavailable:
                return render(request, "feedback/link_unavailable.html", {"reason": "used"}, 410)
            except RoundClosed:
                return _closed(request)
            except AnswersInvalid as exc:
                form.add_service_problems(exc.problems)
            else:
                support = reverse("feedback:pulse_support", args=[pulse_round.pk])
                return redirect(f"{support}?lang={language}")
        status = 400
    else:
        form = PulseForm(definition=definition, language=language)
        status = 200
    form.helper.form_action = f"?lang={language}"
    context = {
        "form": form,
        "clinic": pulse_round.clinic,
        "survey_title": text_in(definition.name, language),
        "intro": text_in(definition.intro, language),
        "closes_on": pulse_round.closes_on,
        "languages": list(definition.languages),
    }
    return render(request, "feedback/pulse_survey.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def pulse_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A staff member's own single-use link."""
    invitation = staff_invitation_by_token(token) if len(token) <= TOKEN_MAX_LENGTH else None
    if invitation is None:
        _language_use(request)
        return render(request, "feedback/link_unknown.html", status=404)
    if invitation.used:
        _language_use(request)
        return render(request, "feedback/link_unavailable.html", {"reason": "used"}, status=410)
    if not invitation.round.is_open():
        _language_use(request)
        return _closed(request)
    return _pulse_survey(request, pulse_round=invitation.round, invitation=invitation)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def pulse_shared(request: HttpRequest, token: str) -> HttpResponse:
    """A clinic's one shared link for the round, limited per device like the kiosk."""
    pulse_round = pulse_round_by_shared_token(token) if len(token) <= TOKEN_MAX_LENGTH else None
    if pulse_round is None:
        _language_use(request)
        return render(request, "feedback/link_unknown.html", status=404)
    if not pulse_round.is_open():
        _language_use(request)
        return _closed(request)
    if request.method == "POST" and (refusal := kiosk_rate_limited(request)) is not None:
        return refusal
    return _pulse_survey(request, pulse_round=pulse_round)


@require_safe
@never_cache
def pulse_support(request: HttpRequest, round_id: int) -> HttpResponse:
    """Thanks, then the clinic's self-care and peer-support resources; never a score."""
    _language_use(request)
    pulse_round = get_object_or_404(PulseRound.objects.select_related("clinic"), pk=round_id)
    links = [
        link
        for link in pulse_round.support_links
        if isinstance(link, dict) and str(link.get("url", "")).startswith(("https://", "http://"))
    ]
    context = {
        "clinic": pulse_round.clinic,
        "support_text": pulse_round.support_text,
        "links": links,
    }
    return render(request, "feedback/pulse_support.html", context)

"""Patient pages: surveys, thank-you, withdrawal, QR code, and the public story wall and embed."""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from urllib.parse import urlencode, urlsplit

import segno
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_http_methods, require_safe

from feedback.form_encoding import names_with_replacement_characters, urlencoded_undecodable_names
from feedback.forms import SurveyForm, WithdrawalForm
from feedback.instrument_definition import InstrumentDefinition
from feedback.models import Channel, Clinic, Invitation, Testimonial
from feedback.ratelimit import client_address, kiosk_retry_after_seconds, kiosk_submission_allowed
from feedback.services import (
    AnswersInvalid,
    InvitationUnavailable,
    instrument_definition,
    instrument_for_clinic,
    invitation_by_token,
    response_submit,
)
from feedback.survey_form_html import blank_survey_form_html
from feedback.testimonials import testimonial_withdraw, testimonials_public, withdrawal_code_new
from feedback.texts import FALLBACK_LANGUAGE, language_nearest, text_in

# Tokens are 32 characters; anything far longer is not worth hashing.
TOKEN_MAX_LENGTH = 100
# The withdrawal code travels from the survey POST to the thank-you page in the session, and is
# removed when shown, so the next patient on a shared kiosk tablet never sees it.
WITHDRAWAL_CODE_SESSION_KEY = "testimonial_withdrawal_code"
STORIES_PER_PAGE = 10
EMBED_STORIES = 3


# Addresses only this computer can open: a poster printed with one leads phones nowhere.
_LOCAL_HOSTS = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[?::1\]?|0\.0\.0\.0)$", re.I)


def url_is_local(url: str) -> bool:
    return bool(_LOCAL_HOSTS.match(urlsplit(url).hostname or ""))


def _language_use(request: HttpRequest, *, default: str = "", offered: Collection[str] = ()) -> str:
    """The page language: ?lang= when offered, else the one nearest the default (feedback.texts).

    ``offered`` defaults to every language in LANGUAGES, ``default`` to the browser's choice
    among them (patient-only languages included: PatientOnlyLanguageMiddleware keeps those off
    staff pages only). The choice travels in the URL (links and the form's action) rather than
    a cookie, so a shared kiosk tablet never carries one patient's choice over to the next.
    """
    site = [code for code, _name in settings.LANGUAGES]
    supported = [code for code in offered if code in site] if offered else site
    supported = supported or [FALLBACK_LANGUAGE]
    default = default or translation.get_language_from_request(request)
    language = request.GET.get("lang", "")
    if language not in supported:
        language = language_nearest(supported, default)
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _link_unavailable(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    reason = "used" if invitation.used_at is not None else "expired"
    return render(request, "feedback/link_unavailable.html", {"reason": reason}, status=410)


def kiosk_rate_limited(request: HttpRequest) -> HttpResponse | None:
    """The 429 page when this device has sent too many anonymous forms lately, else None."""
    if kiosk_submission_allowed(client_address=client_address(request)):
        return None
    _language_use(request)
    response = render(request, "feedback/rate_limited.html", status=429)
    response["Retry-After"] = str(kiosk_retry_after_seconds())
    return response


def _unreadable_field_names(request: HttpRequest) -> list[str]:
    """Posted fields that were not UTF-8 (Django would have stored other letters or U+FFFD).

    A urlencoded body (what browsers send) is kept, so its bytes are checked; a multipart one
    is parsed as a stream, so only the U+FFFD left by its decoding shows.
    """
    if request.content_type == "application/x-www-form-urlencoded":
        return urlencoded_undecodable_names(request.body)
    return names_with_replacement_characters(request.POST.lists())


def _survey_form_blank(definition: InstrumentDefinition, language: str, action: str) -> SurveyForm:
    form = SurveyForm(definition=definition, language=language)
    form.helper.form_action = action
    return form


def _survey(
    request: HttpRequest,
    *,
    clinic: Clinic,
    language_default: str = "",
    invitation: Invitation | None = None,
) -> HttpResponse:
    """Show the form, or store a valid submission and go to the thank-you page."""
    instrument = instrument_for_clinic(clinic)
    definition: InstrumentDefinition = instrument_definition(instrument)
    language = _language_use(request, default=language_default, offered=definition.languages)
    if request.method == "POST":
        form = SurveyForm(
            request.POST,
            definition=definition,
            language=language,
            unreadable_fields=_unreadable_field_names(request),
        )
        if form.is_valid():
            code = withdrawal_code_new() if form.cleaned_data["story"].strip() else ""
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
                    testimonial_consent=(
                        form.cleaned_data["story_consent"] or Testimonial.Consent.PRIVATE
                    ),
                    testimonial_first_name=form.cleaned_data["story_first_name"],
                    testimonial_withdrawal_code=code,
                )
            except InvitationUnavailable:
                invitation.refresh_from_db(fields=["used_at", "expires_at"])
                return _link_unavailable(request, invitation)
            except AnswersInvalid as exc:
                form.add_service_problems(exc.problems)
            else:
                if code:
                    request.session[WITHDRAWAL_CODE_SESSION_KEY] = code
                query = {"lang": language}
                if invitation is None:
                    # A shared tablet. A new CSRF cookie per survey: Chromium then never brings
                    # the sent survey back, answers filled in, from its back/forward cache (it
                    # keeps no-store pages only while no cookie changes). The thank-you page
                    # learns from ?kiosk= where the next patient's survey is.
                    rotate_token(request)
                    query["kiosk"] = clinic.slug
                else:  # the thank-you and withdrawal pages name the clinic the patient answered
                    query["clinic"] = clinic.slug
                return redirect(reverse("feedback:thanks") + "?" + urlencode(query))
        status = 400
    else:
        form = None
        status = 200
    action = "?" + urlencode({"lang": language})
    if form is None:
        form_html = blank_survey_form_html(
            request,
            key=("survey", instrument.pk, instrument.definition_sha256, language, action),
            form_new=lambda: _survey_form_blank(definition, language, action),
        )
    else:
        form.helper.form_action = action
        form_html = ""
    context = {
        "form": form,
        "form_html": form_html,
        "clinic": clinic,
        "survey_title": text_in(definition.name, language) or instrument.name,
        "intro": text_in(definition.intro, language),
        # Named in the instructions so patients know the way out of a question that does not fit.
        "na_label": next(
            (text_in(item.scale.na_label, language) for item in definition.items if item.allow_na),
            "",
        ),
        "languages": [code for code in definition.languages if code in dict(settings.LANGUAGES)],
        "draft_translation": language in definition.draft_languages,
    }
    return render(request, "feedback/survey.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def survey_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token) if len(token) <= TOKEN_MAX_LENGTH else None
    if invitation is None:
        _language_use(request)
        return render(request, "feedback/link_unknown.html", status=404)
    if invitation.used_at is not None or invitation.is_expired():
        _language_use(request, default=invitation.language)
        return _link_unavailable(request, invitation)
    return _survey(
        request,
        clinic=invitation.visit.clinic,
        language_default=invitation.language,
        invitation=invitation,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def survey_kiosk(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """The anonymous survey behind a clinic's QR code; no address or browser is stored."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    if request.method == "POST" and (refusal := kiosk_rate_limited(request)) is not None:
        return refusal
    return _survey(request, clinic=clinic)


@require_safe
@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    """Thank the patient; show a story's withdrawal code once (never again on reload or Back).

    After a kiosk survey (?kiosk=<clinic slug>) the page offers a new survey and, with no
    JavaScript needed, returns to one by itself after KIOSK_IDLE_SECONDS (an HTTP Refresh
    header), so the next patient at a shared tablet never finds this patient's code.
    """
    language = _language_use(request)
    # HEAD shows nothing, so it must not use up the one showing of the code.
    code = request.session.pop(WITHDRAWAL_CODE_SESSION_KEY, "") if request.method == "GET" else ""
    kiosk_slug = request.GET.get("kiosk", "")
    kiosk_clinic = Clinic.objects.filter(slug=kiosk_slug).first() if kiosk_slug else None
    context = {
        "withdrawal_code": code,
        "kiosk_clinic": kiosk_clinic,
        "clinic": kiosk_clinic or _clinic_named_in(request),
    }
    withdraw_query = {"lang": language}
    if context["clinic"] is not None:
        withdraw_query["clinic"] = context["clinic"].slug
    context["withdraw_url"] = reverse("feedback:withdraw") + "?" + urlencode(withdraw_query)
    if kiosk_clinic is not None:
        context["new_survey_url"] = reverse("feedback:survey_kiosk", args=[kiosk_clinic.slug])
        context["idle_seconds"] = settings.KIOSK_IDLE_SECONDS
    response = render(request, "feedback/thanks.html", context)
    if kiosk_clinic is not None:
        response["Refresh"] = f"{settings.KIOSK_IDLE_SECONDS}; url={context['new_survey_url']}"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def withdraw(request: HttpRequest) -> HttpResponse:
    """A patient withdraws consent to share their story; it leaves the wall at once."""
    _language_use(request)
    clinic = _clinic_named_in(request)
    if request.method == "POST":
        if (refusal := kiosk_rate_limited(request)) is not None:
            return refusal
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            if testimonial_withdraw(code=form.cleaned_data["code"]) is not None:
                return render(request, "feedback/withdrawn.html", {"clinic": clinic})
            form.add_error("code", _("We found no story with this code. Check it and try again."))
        status = 400
    else:
        form = WithdrawalForm()
        status = 200
    return render(
        request, "feedback/withdraw.html", {"form": form, "clinic": clinic}, status=status
    )


def _clinic_named_in(request: HttpRequest) -> Clinic | None:
    """The clinic of ?clinic=<slug>, only to name it on a page; an unknown slug names none."""
    slug = request.GET.get("clinic", "")
    return Clinic.objects.filter(slug=slug).first() if slug else None


def _stories(clinic: Clinic, page_number: str | None, per_page: int):
    return Paginator(testimonials_public(clinic=clinic), per_page).get_page(page_number)


@require_safe
def stories_wall(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """The clinic's public wall: approved stories whose authors agreed to share them."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    _language_use(request)
    page = _stories(clinic, request.GET.get("page"), STORIES_PER_PAGE)
    return render(request, "feedback/stories.html", {"clinic": clinic, "page": page})


def frameable(view):
    """Allow this view (only) to be framed by any site: the embeddable story snippet.

    Clears X-Frame-Options and sets CSP frame-ancestors to * at request time (the rest of the
    site keeps DENY / 'none'). The page has no forms, cookies or scripts, so framing it exposes
    nothing that clickjacking could use.
    """

    @xframe_options_exempt
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ["*"]}
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@require_safe
@frameable
def stories_embed(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """A small page of the latest stories, for a clinic's website to show in an <iframe>."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    _language_use(request)
    stories = list(testimonials_public(clinic=clinic)[:EMBED_STORIES])
    wall_url = settings.SITE_URL + reverse("feedback:stories_wall", args=[clinic.slug])
    return render(
        request,
        "feedback/stories_embed.html",
        {"clinic": clinic, "stories": stories, "wall_url": wall_url},
    )


def _kiosk_url(clinic: Clinic) -> str:
    return settings.SITE_URL + reverse("feedback:survey_kiosk", args=[clinic.slug])


def _poster_texts(first: str) -> list[dict[str, object]]:
    """The poster's invitation in every language of LANGUAGES, the page's own first."""
    texts = []
    for code in sorted((code for code, _name in settings.LANGUAGES), key=lambda c: c != first):
        with translation.override(code):
            texts.append(
                {
                    "language": code,
                    "bidi": translation.get_language_bidi(),
                    "title": _("Tell us about your visit"),
                    "how": _(
                        "Point your phone camera at the code. It takes about 2 minutes."
                        " We do not ask for your name."
                    ),
                }
            )
    return texts


@require_safe
def clinic_qr(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    """A page to print and put up in the clinic: the QR code and the address in words."""
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    language = _language_use(request)
    kiosk_url = _kiosk_url(clinic)
    context = {
        "clinic": clinic,
        "kiosk_url": kiosk_url,
        "poster_texts": _poster_texts(language),
        "kiosk_url_is_local": url_is_local(kiosk_url),
    }
    return render(request, "feedback/clinic_qr.html", context)


@require_safe
def clinic_qr_svg(request: HttpRequest, clinic_slug: str) -> HttpResponse:
    clinic = get_object_or_404(Clinic, slug=clinic_slug)
    buffer = io.BytesIO()
    segno.make(_kiosk_url(clinic), error="m").save(
        buffer, kind="svg", scale=10, border=4, title=clinic.name, xmldecl=False
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="qr-{clinic.slug}.svg"'
    return response

"""The patient pages: invitation and kiosk surveys, their error pages, thank-you and QR code."""

import datetime as dt
import io
import itertools
import re

import pytest
import segno
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from feedback.forms import ITEM_PREFIX, NOT_APPLICABLE
from feedback.invitations import token_for_salt, token_hash, token_salt_new
from feedback.models import (
    Channel,
    DimensionScore,
    Invitation,
    Response,
    Visit,
    VisitType,
)
from feedback.models import Testimonial as StoredTestimonial

_visit_numbers = itertools.count(1)


def invitation_make(
    *,
    clinic,
    provider=None,
    language: str = "en",
    expires_in: dt.timedelta = dt.timedelta(days=7),
    used: bool = False,
) -> tuple[Invitation, str]:
    """An e-mail invitation for a new visit, and the token its link carries."""
    now = timezone.now()
    visit = Visit.objects.create(
        clinic=clinic,
        provider=provider,
        external_id=f"V-{next(_visit_numbers)}",
        occurred_at=now - dt.timedelta(hours=3),
        visit_type=VisitType.FOLLOW_UP,
        preferred_language=language,
    )
    salt = token_salt_new()
    token = token_for_salt(salt)
    invitation = Invitation.objects.create(
        visit=visit,
        channel=Channel.EMAIL,
        language=language,
        token_salt=salt,
        token_hash=token_hash(token),
        contact="patient@example.org",
        expires_at=now + expires_in,
        used_at=now if used else None,
    )
    return invitation, token


def survey_url(token: str) -> str:
    return reverse("feedback:survey_invitation", args=[token])


def form_data(answers: dict, **extra) -> dict:
    """POST data for a set of answers ({item_id: value}; None posts "does not apply")."""
    data = {
        ITEM_PREFIX + item_id: NOT_APPLICABLE if value is None else str(value)
        for item_id, value in answers.items()
    }
    data.update(extra)
    return data


def assert_error_page(response, *, problem_link: str) -> str:
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r"<title>\s*Error:", page)
    summary = re.search(r'<div id="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary, "no error summary"
    assert 'role="alert"' in page and 'tabindex="-1"' in summary.group(0)
    assert "There is a problem" in summary.group(1)
    assert f'href="{problem_link}"' in summary.group(1)
    return page


@pytest.fixture
def invitation(clinic_a, provider_a, instrument):
    return invitation_make(clinic=clinic_a, provider=provider_a)


@pytest.mark.parametrize("token", ["not-a-real-token", "x" * 5000])
def test_unknown_token_gets_a_friendly_404_page(client, instrument, token):
    response = client.get(survey_url(token))
    assert response.status_code == 404
    assert "We cannot find this survey" in response.content.decode()


def test_expired_invitation_gets_a_friendly_410_page(client, clinic_a, instrument):
    _, token = invitation_make(clinic=clinic_a, expires_in=dt.timedelta(seconds=-1))
    response = client.get(survey_url(token))
    assert response.status_code == 410
    assert "This survey link has ended" in response.content.decode()


def test_used_invitation_gets_a_friendly_410_page(client, clinic_a, instrument):
    _, token = invitation_make(clinic=clinic_a, used=True)
    response = client.post(survey_url(token), form_data({}))
    assert response.status_code == 410
    assert "This survey is already done" in response.content.decode()


def test_survey_shows_each_question_as_a_fieldset_of_unchecked_radios(
    client, invitation, instrument
):
    _, token = invitation
    page = client.get(survey_url(token)).content.decode()
    definition_items = instrument.definition["items"]
    assert page.count("<fieldset") == len(definition_items) + 1  # + the story consent question
    for item in definition_items:
        assert item["text"]["en"] in page
        radios = re.findall(rf'<input[^>]*name="{ITEM_PREFIX}{item["id"]}"[^>]*>', page)
        assert radios and all('type="radio"' in radio for radio in radios)
        assert (f'value="{NOT_APPLICABLE}"' in "".join(radios)) == item.get("allow_na", False)
    assert " checked" not in page
    assert "<table" not in page


def test_valid_submission_stores_one_response_with_scores_and_redirects(
    client, invitation, full_answers
):
    inv, token = invitation
    response = client.post(survey_url(token), form_data(full_answers, comment="Very kind."))

    assert response.status_code == 302
    assert (
        response["Location"]
        == reverse("feedback:thanks") + f"?lang=en&clinic={inv.visit.clinic.slug}"
    )
    stored = Response.objects.get()
    assert stored.invitation == inv and stored.provider == inv.visit.provider
    assert stored.channel == Channel.EMAIL and stored.comment == "Very kind."
    assert stored.answers == full_answers
    scores = {s.dimension: s.score for s in DimensionScore.objects.filter(response=stored)}
    assert scores == {
        "empathy": 75.0,
        "communication": 75.0,
        "respect": 75.0,
        "time": 50.0,
        "trust": 75.0,
        "recommend": 90.0,
    }
    inv.refresh_from_db()
    assert inv.used_at is not None and inv.contact == ""


def test_does_not_apply_is_stored_as_absent(client, invitation, full_answers):
    _, token = invitation
    answers = full_answers | {"respect_culture": None}
    assert client.post(survey_url(token), form_data(answers)).status_code == 302
    assert "respect_culture" not in Response.objects.get().answers


def test_second_submission_with_the_same_link_is_refused_with_410(client, invitation, full_answers):
    _, token = invitation
    assert client.post(survey_url(token), form_data(full_answers)).status_code == 302
    again = client.post(survey_url(token), form_data(full_answers))
    assert again.status_code == 410
    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "problem_link"),
    [
        pytest.param({"empathy_kindness": 6}, "#field-q_empathy_kindness", id="out-of-range"),
        pytest.param({"recommend": 11}, "#field-q_recommend", id="out-of-range-0-10"),
        pytest.param({"trust_safe": "lots"}, "#field-q_trust_safe", id="not-a-number"),
        pytest.param({"recommend": None}, "#field-q_recommend", id="na-where-not-offered"),
        pytest.param({"time_enough": ""}, "#field-q_time_enough", id="missing-required"),
    ],
)
def test_an_invalid_answer_shows_the_form_again_with_400_and_stores_nothing(
    client, invitation, full_answers, change, problem_link
):
    _, token = invitation
    answers = full_answers | change
    page = assert_error_page(
        client.post(survey_url(token), form_data(answers)), problem_link=problem_link
    )
    assert Response.objects.count() == 0
    # The same message sits inside the question, and the other answers are kept.
    field_id = problem_link.removeprefix("#field-")
    assert f'id="id_{field_id}_error"' in page
    assert re.search(r'name="q_empathy_feelings" id="[^"]+" value="4" checked', page)
    assert Invitation.objects.get().used_at is None


@pytest.mark.parametrize(
    ("extra", "problem_link", "message"),
    [
        pytest.param(
            {"comment": "x" * 2001},
            "#id_comment",
            "Use 2000 characters or fewer",
            id="oversized-comment",
        ),
        pytest.param(
            {"comment": "kind\x00staff"}, "#id_comment", "hidden character", id="nul-in-comment"
        ),
        pytest.param({"story": "Lovely\x00"}, "#id_story", "hidden character", id="nul-in-story"),
        pytest.param(
            {"story": "They were kind."},
            "#field-story_consent",
            "choose if we may",
            id="story-without-consent",
        ),
    ],
)
def test_invalid_text_shows_the_form_again_with_400_and_stores_nothing(
    client, invitation, full_answers, extra, problem_link, message
):
    _, token = invitation
    page = assert_error_page(
        client.post(survey_url(token), form_data(full_answers, **extra)), problem_link=problem_link
    )
    assert message in page
    assert "\x00" not in page
    assert Response.objects.count() == 0
    assert StoredTestimonial.objects.count() == 0


def test_story_with_a_consent_choice_is_stored_as_a_pending_testimonial(
    client, invitation, full_answers
):
    _, token = invitation
    data = form_data(
        full_answers,
        story="The nurse held my hand.",
        story_consent="first_name",
        story_first_name="Rosa",
    )
    assert client.post(survey_url(token), data).status_code == 302
    testimonial = StoredTestimonial.objects.get()
    assert (testimonial.text, testimonial.consent, testimonial.first_name, testimonial.status) == (
        "The nurse held my hand.",
        "first_name",
        "Rosa",
        "pending",
    )


def test_oversized_request_body_gets_a_readable_400_page(client, invitation):
    _, token = invitation
    body = "comment=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post(
        survey_url(token), body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "Something went wrong with what was sent" in response.content.decode()
    assert Response.objects.count() == 0


def test_malformed_multipart_body_gets_a_readable_400_page(client, clinic_a, instrument):
    response = client.post(
        reverse("feedback:survey_kiosk", args=[clinic_a.slug]),
        "--broken\r\ngarbage",
        content_type="multipart/form-data; boundary=",
    )
    assert response.status_code == 400
    assert "Something went wrong with what was sent" in response.content.decode()


def test_survey_defaults_to_the_invitations_language(client, clinic_a, instrument):
    _, token = invitation_make(clinic=clinic_a, language="es")
    page = client.get(survey_url(token)).content.decode()
    assert '<html lang="es"' in page
    assert "¿Qué tan amables fueron con usted?" in page


def test_language_switch_shows_spanish_text_and_keeps_the_patient_on_the_survey(
    client, invitation, full_answers
):
    _, token = invitation
    english = client.get(survey_url(token)).content.decode()
    assert 'href="?lang=es"' in english
    spanish = client.get(survey_url(token) + "?lang=es").content.decode()
    assert '<html lang="es"' in spanish
    assert "¿Qué tan amables fueron con usted?" in spanish
    assert "Enviar mis respuestas" in spanish  # a UI string from the Spanish catalogue
    assert 'action="?lang=es"' in spanish
    client.post(survey_url(token) + "?lang=es", form_data(full_answers))
    assert Response.objects.get().language == "es"


def test_a_language_the_survey_does_not_offer_falls_back_to_the_default(
    client, clinic_a, instrument
):
    _, token = invitation_make(clinic=clinic_a, language="es")
    response = client.get(survey_url(token) + "?lang=xx")
    assert response.status_code == 200
    assert '<html lang="es"' in response.content.decode()


def test_kiosk_survey_stores_an_anonymous_qr_response(client, clinic_a, full_answers):
    url = reverse("feedback:survey_kiosk", args=[clinic_a.slug])
    response = client.post(
        url, form_data(full_answers), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Kiosk-Tablet/1.0"
    )
    assert response.status_code == 302
    stored = Response.objects.get()
    assert (stored.clinic, stored.provider, stored.invitation, stored.channel) == (
        clinic_a,
        None,
        None,
        Channel.QR,
    )
    stored_values = repr(Response.objects.values().get())
    assert "203.0.113.9" not in stored_values and "Kiosk-Tablet" not in stored_values


def test_response_model_has_no_field_for_an_address_or_browser():
    names = {field.name.lower() for field in Response._meta.get_fields()}
    suspicious = {n for n in names if re.search(r"ip|addr|agent|browser|host|remote", n)}
    assert suspicious == set(), f"Response must not store client details: {suspicious}"


def test_unknown_clinic_kiosk_survey_is_404(client, instrument):
    response = client.get(reverse("feedback:survey_kiosk", args=["nowhere"]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(KIOSK_RATE_LIMIT=3, KIOSK_RATE_WINDOW_SECONDS=600)
def test_kiosk_rate_limit_returns_429_after_the_limit(client, clinic_a, full_answers):
    cache.clear()
    url = reverse("feedback:survey_kiosk", args=[clinic_a.slug])
    statuses = [
        client.post(url, form_data(full_answers), REMOTE_ADDR="198.51.100.7").status_code
        for _ in range(3)
    ]
    blocked = client.post(url, form_data(full_answers), REMOTE_ADDR="198.51.100.7")
    other_device = client.post(url, form_data(full_answers), REMOTE_ADDR="198.51.100.8")

    assert statuses == [302, 302, 302]
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "Too many surveys from this device" in blocked.content.decode()
    assert other_device.status_code == 302
    assert Response.objects.count() == 4


@override_settings(KIOSK_RATE_LIMIT=2)
def test_kiosk_rate_limit_counts_invalid_posts_too(client, clinic_a, instrument):
    cache.clear()
    url = reverse("feedback:survey_kiosk", args=[clinic_a.slug])
    statuses = [client.post(url, {}, REMOTE_ADDR="198.51.100.9").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_qr_page_shows_a_code_for_the_kiosk_address(client, clinic_a):
    kiosk_url = settings.SITE_URL + reverse("feedback:survey_kiosk", args=[clinic_a.slug])
    page = client.get(reverse("feedback:clinic_qr", args=[clinic_a.slug]))
    svg_url = reverse("feedback:clinic_qr_svg", args=[clinic_a.slug])
    assert page.status_code == 200
    assert f'src="{svg_url}"' in page.content.decode()
    assert kiosk_url in page.content.decode()
    assert "<script>" not in page.content.decode()

    svg = client.get(svg_url)
    expected = io.BytesIO()
    segno.make(kiosk_url, error="m").save(
        expected, kind="svg", scale=10, border=4, title=clinic_a.name, xmldecl=False
    )
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content == expected.getvalue()
    assert svg.content.startswith(b"<svg")


def test_survey_form_renders_without_a_query_per_question(
    client, clinic_a, instrument, django_assert_max_num_queries
):
    url = reverse("feedback:survey_kiosk", args=[clinic_a.slug])
    client.get(url)  # the definition is parsed once per process
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200


def test_thanks_page_says_thank_you_in_the_chosen_language(client):
    assert "Thank you" in client.get(reverse("feedback:thanks")).content.decode()
    assert "Gracias" in client.get(reverse("feedback:thanks") + "?lang=es").content.decode()


def test_behind_a_proxy_the_rate_limits_count_each_patient_not_the_proxy(settings, rf):
    from feedback.ratelimit import client_address

    settings.TRUSTED_PROXIES = 1
    factory = rf
    forged_then_real = factory.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_address(forged_then_real) == "203.0.113.7"  # the proxy's entry, not the forged
    assert client_address(factory.get("/", REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"
    settings.TRUSTED_PROXIES = 0
    assert client_address(forged_then_real) == "10.0.0.1"

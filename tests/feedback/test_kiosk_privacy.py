"""Shared kiosk tablets: patient pages are never cached, and the kiosk thank-you page resets."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from feedback.models import Testimonial
from tests.feedback.test_views import form_data, survey_url

pytestmark = pytest.mark.hardening


def assert_never_stored(response) -> None:
    assert "no-store" in response["Cache-Control"]


def test_survey_pages_and_their_error_pages_are_never_stored(client, kiosk_url, token):
    for response in (
        client.get(kiosk_url),
        client.post(kiosk_url, {"comment": "Rude staff."}),
        client.get(survey_url(token)),
        client.post(survey_url(token), {"comment": "Rude staff."}),
    ):
        assert response.status_code in (200, 400)
        assert_never_stored(response)


def test_thank_you_withdrawal_and_withdrawn_pages_are_never_stored(client, kiosk_url, full_answers):
    story = {"story": "They held my hand.", "story_consent": "anonymous"}
    thanks = client.post(kiosk_url, form_data(full_answers, **story), follow=True)
    assert thanks.status_code == 200 and thanks.context["withdrawal_code"]
    assert_never_stored(thanks)
    assert_never_stored(client.get(reverse("feedback:thanks")))
    assert_never_stored(client.get(reverse("feedback:withdraw")))
    assert_never_stored(client.post(reverse("feedback:withdraw"), {"code": "NOPE-NOPE"}))
    withdrawn = client.post(
        reverse("feedback:withdraw"), {"code": thanks.context["withdrawal_code"]}
    )
    assert "no longer shared" in withdrawn.content.decode()
    assert_never_stored(withdrawn)


def test_survey_and_withdrawal_forms_ask_the_browser_not_to_fill_them_in_again(client, kiosk_url):
    survey = client.get(kiosk_url).content.decode()
    assert re.search(r'<form[^>]*autocomplete="off"', survey)
    withdraw = client.get(reverse("feedback:withdraw")).content.decode()
    assert re.search(r'<form[^>]*autocomplete="off"', withdraw)


def test_kiosk_submission_goes_to_a_kiosk_thank_you_page_with_a_new_csrf_cookie(
    client, kiosk_url, clinic_a, full_answers
):
    client.get(kiosk_url)
    old_token = client.cookies[settings.CSRF_COOKIE_NAME].value
    story = {"story": "They held my hand.", "story_consent": "anonymous"}
    response = client.post(kiosk_url, form_data(full_answers, **story))

    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:thanks") + "?lang=en&kiosk=riverside"
    assert Testimonial.objects.count() == 1
    assert client.cookies[settings.CSRF_COOKIE_NAME].value != old_token


def test_kiosk_thank_you_page_returns_to_the_clinics_survey_after_the_quiet_period(
    client, clinic_a, settings
):
    settings.KIOSK_IDLE_SECONDS = 45
    response = client.get(reverse("feedback:thanks") + "?lang=en&kiosk=riverside")
    page = response.content.decode()

    assert response["Refresh"] == "45; url=/c/riverside/"
    assert re.search(r'<a [^>]*href="/c/riverside/"[^>]*>Start a new survey</a>', page)
    assert "goes back to an empty survey after 45 seconds" in page
    assert "You can close this page now" not in page


@pytest.mark.parametrize("query", ["", "?kiosk=nowhere", "?kiosk="])
def test_thank_you_page_without_a_known_kiosk_neither_refreshes_nor_offers_a_new_survey(
    client, clinic_a, query
):
    response = client.get(reverse("feedback:thanks") + query)
    assert response.status_code == 200
    assert "Refresh" not in response
    assert "Start a new survey" not in response.content.decode()
    assert "You can close this page now" in response.content.decode()


def test_invitation_thank_you_page_does_not_refresh(client, token, full_answers, clinic_a):
    response = client.post(survey_url(token), form_data(full_answers), follow=True)
    thanks = reverse("feedback:thanks") + f"?lang=en&clinic={clinic_a.slug}"
    assert response.redirect_chain == [(thanks, 302)]
    assert "Refresh" not in response


def test_withdrawal_code_is_shown_once_and_never_travels_in_a_url(client, kiosk_url, full_answers):
    story = {"story": "They held my hand.", "story_consent": "anonymous"}
    first = client.post(kiosk_url, form_data(full_answers, **story), follow=True)
    code = first.context["withdrawal_code"]
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert code in first.content.decode()
    assert all(code not in url for url, _status in first.redirect_chain)
    assert code not in first["Refresh"]

    again = client.get(first.redirect_chain[-1][0])
    assert code not in again.content.decode()
    assert "Start a new survey" in again.content.decode()


def test_kiosk_thank_you_page_in_spanish(client, clinic_a):
    page = client.get(reverse("feedback:thanks") + "?lang=es&kiosk=riverside").content.decode()
    assert "Empezar una encuesta nueva" in page
    assert "60 segundos" in page

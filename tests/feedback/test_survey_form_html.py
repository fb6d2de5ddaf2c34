"""The blank survey form is rendered once and reused, with each patient's own CSRF token."""

import re

from django.test import Client, override_settings

from feedback import survey_form_html
from feedback.survey_form_html import CSRF_PLACEHOLDER

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_blank_form_is_the_form_rendered_afresh_but_for_the_token(kiosk_url):
    survey_form_html._HTML.clear()
    with override_settings(DEBUG=True):  # nothing cached: rendered by {% crispy form %} each time
        fresh = _page(Client(), kiosk_url)
    assert not survey_form_html._HTML
    first = _page(Client(), kiosk_url)  # renders and caches
    cached = _page(Client(), kiosk_url)  # served from the cache

    assert len(survey_form_html._HTML) == 1
    assert TOKEN.sub("", cached) == TOKEN.sub("", first) == TOKEN.sub("", fresh)
    assert cached.count('type="radio"') == fresh.count('type="radio"') > 20
    assert CSRF_PLACEHOLDER not in cached


def test_each_patient_gets_a_token_matching_their_own_csrf_cookie(kiosk_url, full_answers):
    from tests.feedback.test_views import form_data

    survey_form_html._HTML.clear()
    _page(Client(), kiosk_url)
    patients = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = [TOKEN.search(_page(patient, kiosk_url)).group(1) for patient in patients]
    assert tokens[0] != tokens[1]

    data = form_data(full_answers, csrfmiddlewaretoken=tokens[0])
    assert patients[0].post(kiosk_url, data).status_code == 302
    # Another patient's token from the same cached form is no good with this cookie.
    other = form_data(full_answers, csrfmiddlewaretoken=tokens[0])
    assert patients[1].post(kiosk_url, other).status_code == 403


def test_the_cached_form_is_kept_per_language(kiosk_url):
    survey_form_html._HTML.clear()
    english = _page(Client(), kiosk_url)
    spanish = _page(Client(), kiosk_url + "?lang=es")
    spanish_again = _page(Client(), kiosk_url + "?lang=es")

    assert len(survey_form_html._HTML) == 2
    assert "Send my answers" in english and "Send my answers" not in spanish
    assert 'action="?lang=es"' in spanish
    assert TOKEN.sub("", spanish_again) == TOKEN.sub("", spanish)


def test_a_form_with_errors_is_never_cached(kiosk_url):
    survey_form_html._HTML.clear()
    response = Client().post(kiosk_url, {"comment": "Rude staff."})
    assert response.status_code == 400
    assert "Rude staff." in response.content.decode()
    assert not survey_form_html._HTML
    assert "Rude staff." not in _page(Client(), kiosk_url)

"""Patient pages as a new patient finds them: the 0-10 row with its end words, where they are in
the survey, a favicon, and the clinic's name and the language switch after the survey."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from feedback.forms import _end_words
from tests.feedback.test_views import form_data, survey_url

ROOT = Path(__file__).resolve().parents[2]


def test_the_0_10_boxes_show_their_number_and_the_ends_are_worded_once_under_them(
    client, kiosk_url
):
    page = client.get(kiosk_url).content.decode()

    recommend = re.search(r'<fieldset id="field-q_recommend".*?</fieldset>', page, re.S).group(0)
    shown = re.findall(r'<span aria-hidden="true">(\d+)</span>', recommend)
    assert shown == [str(value) for value in range(11)]
    # A screen reader still hears each answer's full label.
    assert '<span class="visually-hidden">0 - Not at all likely</span>' in recommend
    ends = re.search(r'class="survey-scale-ends"[^>]*>(.*?)</div>', recommend, re.S).group(1)
    assert re.findall(r"<span>(.*?)</span>", ends) == ["Not at all likely", "Very likely"]


@pytest.mark.parametrize(
    ("label", "words"),
    [
        ("0 - Not at all likely", "Not at all likely"),
        ("10 – Muy probable", "Muy probable"),
        ("10", "10"),
        ("Poor", "Poor"),
    ],
)
def test_end_words_drop_the_number_only(label, words):
    assert _end_words(label) == words


def test_each_question_says_where_the_patient_is_without_any_script(client, kiosk_url, instrument):
    page = client.get(kiosk_url).content.decode()

    total = len(instrument.definition["items"])
    assert total == 13
    assert "Question 3 of 13" in page and "Question 13 of 13" in page
    assert '<progress class="survey-step-bar" value="3" max="13"' in page
    assert page.count('class="survey-step-bar"') == total


def test_spanish_patients_read_where_they_are_in_spanish(client, kiosk_url):
    page = client.get(kiosk_url + "?lang=es").content.decode()

    assert "Pregunta 3 de 13" in page


def test_every_page_names_the_portals_favicon_and_the_old_address_leads_to_it(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1)
    assert icon == settings.STATIC_URL + "img/favicon.svg"
    assert (ROOT / "static/img/favicon.svg").read_text().startswith("<svg")

    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 302 and redirect["Location"] == icon


def test_after_an_invited_survey_the_thank_you_page_names_the_clinic_and_switches_language(
    client, token, full_answers, clinic_a
):
    reply = client.post(
        survey_url(token),
        form_data(full_answers, story="Kind nurse.", story_consent="anonymous"),
        follow=True,
    )
    page = reply.content.decode()

    assert '<p class="survey-clinic" data-testid="clinic-name">Riverside Family Clinic</p>' in page
    assert 'href="?lang=es&amp;clinic=riverside"' in page  # the switch keeps the clinic
    assert "before you change the language" in page  # the code is shown once only
    assert 'href="/withdraw/?lang=en&amp;clinic=riverside"' in page

    spanish = client.get(reverse("feedback:thanks") + "?lang=es&clinic=riverside").content
    assert "Riverside Family Clinic" in spanish.decode() and "Gracias" in spanish.decode()


def test_the_withdrawal_pages_name_the_clinic_and_keep_the_language_switch(client, clinic_a):
    url = reverse("feedback:withdraw") + "?lang=es&clinic=riverside"

    page = client.get(url).content.decode()
    assert "Riverside Family Clinic" in page
    assert 'href="?lang=en&amp;clinic=riverside"' in page
    wrong = client.post(url, {"code": "AAAA-AAAA"}).content.decode()
    assert "Riverside Family Clinic" in wrong and 'class="survey-languages"' in wrong
    unknown = client.get(reverse("feedback:withdraw") + "?clinic=nowhere").content.decode()
    assert 'data-testid="clinic-name"' not in unknown


def test_the_qr_poster_keeps_the_language_switch_and_has_a_print_button_without_inline_script(
    client, clinic_a
):
    page = client.get(reverse("feedback:clinic_qr", args=[clinic_a.slug])).content.decode()

    assert 'class="survey-languages"' in page and 'href="?lang=es"' in page
    assert "Riverside Family Clinic" in page
    assert "data-print-page" in page and "Print this poster" in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    assert any("js/print_button.js" in attrs for attrs, _body in scripts)
    assert (ROOT / "static/js/print_button.js").read_text().count("window.print()") == 1


@pytest.mark.parametrize(
    "site_url",
    ["http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000", "http://0.0.0.0"],
)
def test_the_qr_poster_warns_staff_while_site_url_is_a_local_address(
    client, clinic_a, settings, site_url
):
    settings.SITE_URL = site_url

    page = client.get(reverse("feedback:clinic_qr", args=[clinic_a.slug])).content.decode()

    assert 'data-testid="local-address-warning"' in page
    assert "Do not print this poster yet." in page
    assert f"{site_url}/c/riverside/" in page


def test_the_qr_poster_has_no_warning_with_a_public_address(client, clinic_a, settings):
    settings.SITE_URL = "https://portal.example.org"

    page = client.get(reverse("feedback:clinic_qr", args=[clinic_a.slug])).content.decode()

    assert "local-address-warning" not in page
    assert "https://portal.example.org/c/riverside/" in page

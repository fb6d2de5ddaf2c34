"""Arabic, the right-to-left language: survey version 3, patient pages, the draft marker."""

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from feedback.forms import ITEM_PREFIX
from feedback.instrument_definition import InstrumentDefinitionError, parse_definition
from feedback.invitations import invitation_create, invitation_send
from feedback.models import Instrument, Response, Visit
from feedback.services import (
    instrument_current,
    instrument_load,
    instruments_load_shipped,
    response_submit,
)

INSTRUMENTS = Path(__file__).resolve().parents[2] / "feedback" / "instruments"
V2 = json.loads((INSTRUMENTS / "compassionate-care.v2.json").read_text())
V3 = json.loads((INSTRUMENTS / "compassionate-care.v3.json").read_text())
ARABIC_LETTERS = re.compile(r"[\u0600-\u06FF]")


def without_arabic(raw):
    """The definition with every Arabic text and the version fields taken out."""
    if isinstance(raw, dict):
        return {
            key: without_arabic(value)
            for key, value in raw.items()
            if key not in {"ar", "version", "languages", "draft_languages"}
        }
    if isinstance(raw, list):
        return [without_arabic(value) for value in raw]
    return raw


def texts_per_language(raw):
    """Every {language: text} object in a definition (scale labels included)."""
    if isinstance(raw, dict):
        if "en" in raw:
            yield raw
        for value in raw.values():
            yield from texts_per_language(value)
    elif isinstance(raw, list):
        for value in raw:
            yield from texts_per_language(value)


def test_version_3_is_version_2_with_a_draft_arabic_translation():
    assert without_arabic(V3) == without_arabic(V2)  # same questions, scales and scoring
    definition = parse_definition(V3)
    assert definition.version == 3
    assert definition.languages == ("en", "es", "ar")
    assert definition.draft_languages == ("ar",)
    texts = list(texts_per_language(V3))
    assert len(texts) > 20
    for per_language in texts:
        arabic = per_language["ar"]
        values = arabic.values() if isinstance(arabic, dict) else [arabic]
        assert any(ARABIC_LETTERS.search(text) for text in values), per_language


@pytest.mark.parametrize("draft", [["fr"], "ar", [3]])
def test_a_draft_language_must_be_one_of_the_definitions_languages(draft):
    raw = copy.deepcopy(V3)
    raw["draft_languages"] = draft
    with pytest.raises(InstrumentDefinitionError, match="draft_languages: must list some"):
        parse_definition(raw)


def test_loading_version_3_makes_it_current_and_earlier_responses_keep_version_2(clinic_a):
    v2, _ = instrument_load(raw=V2)
    answers = {item["id"]: 9 if item["scale"] == "likely11" else 4 for item in V2["items"]}
    earlier = response_submit(instrument=v2, clinic=clinic_a, language="es", answers=answers)

    instruments_load_shipped()

    assert instrument_current().version == 3
    earlier.refresh_from_db()
    assert earlier.instrument.version == 2
    assert Instrument.objects.get(slug="compassionate-care", version=2).is_active


def kiosk_url(clinic) -> str:
    return reverse("feedback:survey_kiosk", args=[clinic.slug])


def test_kiosk_survey_in_arabic_is_right_to_left_with_arabic_questions_and_a_draft_note(
    client, clinic_a, instrument
):
    page = client.get(kiosk_url(clinic_a) + "?lang=ar").content.decode()

    assert '<html lang="ar" dir="rtl">' in page
    assert "bootstrap.rtl.min.css" in page
    assert "ما مدى لطفهم معك؟" in page  # the instrument's Arabic
    assert "أرسل إجاباتي" in page  # "Send my answers" from the Arabic catalogue
    assert 'class="survey-draft-note"' in page
    assert 'action="?lang=ar"' in page
    assert (
        'class="survey-draft-note"'
        not in client.get(kiosk_url(clinic_a) + "?lang=es").content.decode()
    )


def test_an_arabic_answer_is_stored_as_arabic_and_thanked_in_arabic(client, clinic_a, full_answers):
    data = {ITEM_PREFIX + item_id: str(value) for item_id, value in full_answers.items()}
    data.update(story="كانت الممرضة لطيفة جدًا.", story_consent="anonymous")
    response = client.post(kiosk_url(clinic_a) + "?lang=ar", data, follow=True)

    assert Response.objects.get().language == "ar"
    thanks = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in thanks
    assert "شكرًا لك" in thanks
    # The withdrawal page keeps the language, and names the clinic.
    assert 'href="/withdraw/?lang=ar&amp;clinic=riverside"' in thanks


def test_an_arabic_patient_gets_arabic_even_when_the_browser_asks_for_it(
    client, clinic_a, instrument
):
    page = client.get(kiosk_url(clinic_a), HTTP_ACCEPT_LANGUAGE="ar-EG,ar;q=0.9").content
    assert '<html lang="ar" dir="rtl">' in page.decode()


@pytest.mark.parametrize(
    "route",
    ["feedback:withdraw", "feedback:stories_wall", "feedback:stories_embed", "feedback:clinic_qr"],
)
def test_every_patient_page_in_arabic_is_right_to_left(client, clinic_a, route):
    args = [] if route == "feedback:withdraw" else [clinic_a.slug]
    page = client.get(reverse(route, args=args) + "?lang=ar").content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_the_qr_poster_invites_in_every_language_the_pages_own_first(client, clinic_a):
    page = client.get(reverse("feedback:clinic_qr", args=[clinic_a.slug]) + "?lang=ar")
    html = page.content.decode()
    assert re.search(r'<h1 lang="ar" dir="rtl">أخبرنا عن زيارتك</h1>', html)
    assert '<p class="qr-poster-sub" lang="en" dir="ltr">Tell us about your visit</p>' in html
    assert '<p class="qr-poster-sub" lang="es" dir="ltr">Cuéntenos sobre su visita</p>' in html
    assert html.count("dir=") >= 7  # the page, 3 titles and 3 instructions


def test_a_survey_without_arabic_texts_falls_back_to_the_patients_default(client, clinic_a):
    instrument_load(raw=V2)  # only v2: English and Spanish
    page = client.get(kiosk_url(clinic_a) + "?lang=ar").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "العربيّة" not in page  # not offered in the language switch


def _sent_invitation_message(clinic, mailoutbox, *, language: str):
    visit = Visit.objects.create(
        clinic=clinic,
        external_id="V-1",
        preferred_language=language,
        occurred_at=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC),
    )
    invitation = invitation_create(
        visit=visit,
        channel="email",
        contact="pat@example.com",
        now=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC),
    )
    invitation_send(invitation_id=invitation.pk, now=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))
    [message] = mailoutbox
    return message


def test_an_arabic_invitation_is_written_in_arabic(clinic_a, mailoutbox):
    message = _sent_invitation_message(clinic_a, mailoutbox, language="ar")
    assert message.subject == "كيف كانت زيارتك إلى Riverside Family Clinic؟"
    assert "20 نوفمبر 2026" in message.body
    assert "{#" not in message.subject + message.body


def test_an_invitation_in_a_language_without_messages_is_written_in_english(clinic_a, mailoutbox):
    with override_settings(LANGUAGES=[*settings.LANGUAGES, ("pt-br", "Português do Brasil")]):
        message = _sent_invitation_message(clinic_a, mailoutbox, language="pt-br")
    assert message.subject == "How was your visit to Riverside Family Clinic?"
    assert "20 November 2026" in message.body  # not Portuguese month names in English text

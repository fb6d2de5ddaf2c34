"""Redaction of personal data in patients' words: a table of English and Spanish cases."""

import pytest

from feedback.redaction import provider_name_parts, redact

PROVIDERS = {1: "Dr. Ana Ortiz", 2: "Michael Brennan, RN", 3: "Dra. Lucía Fernández"}
KEEP = ["Riverside", "Family", "Clinic"]

# (text, what must be gone, the kind that must be counted)
CASES = [
    # e-mail addresses
    ("Email me at jane.doe@example.com please", "jane.doe@example.com", "email"),
    ("Mi correo es maria_lopez+salud@correo.es", "maria_lopez+salud@correo.es", "email"),
    # phone numbers
    ("Call me on 555-123-4567 any time", "555-123-4567", "phone"),
    ("My cell is (555) 987 6543.", "987 6543", "phone"),
    ("Mi teléfono es 612 34 56 78", "612 34 56 78", "phone"),
    ("Llámame al +34 612 345 678, gracias", "612 345 678", "phone"),
    ("Reach me at +1 415.555.0199", "555.0199", "phone"),
    # dates of birth and similar numbers
    ("I was born 03/12/1961 and never felt so cared for", "03/12/1961", "date"),
    ("DOB 1961-03-12", "1961-03-12", "date"),
    ("Born on March 12, 1961, so I have seen many doctors", "1961", "date"),
    ("Nací el 12 de marzo de 1961 en Sevilla", "1961", "date"),
    ("Fecha de nacimiento: 4-7-58", "4-7-58", "date"),
    ("I was born in 1958 and still going", "1958", "date"),
    ("My SSN is 123-45-6789", "123-45-6789", "number"),
    ("Mi DNI es 12345678Z", "12345678Z", "number"),
    ("Medical record 84736251 was mixed up", "84736251", "number"),
    # the clinic's own providers, in several spellings
    ("Dr. Ortiz was wonderful", "Ortiz", "name"),
    ("thank you dr ortiz for listening", "ortiz", "name"),
    ("La doctora Fernandez me escuchó", "Fernandez", "name"),
    ("Michael Brennan explained everything", "Michael Brennan", "name"),
    ("Lucía fue muy amable conmigo", "Lucía", "name"),
    # other people's names, found conservatively
    ("My husband John came with me", "John", "name"),
    ("Mi hija María me acompañó", "María", "name"),
    ("I saw Dr. Patel at the front desk", "Patel", "name"),
    ("The nurse, Rebecca, held my hand", "Rebecca", "name"),
    ("Vine con mi amigo Jorge Ramírez", "Jorge Ramírez", "name"),
]

ORDINARY = [
    "The nurse explained everything clearly.",
    "I waited 45 minutes but it was worth it.",
    "Visit on Monday at 10:30 went well.",
    "I speak Spanish and they had an interpreter.",
    "I rated it 5 out of 5, and the wait was 2 hours.",
    "Me atendieron muy bien en la Clínica, gracias.",
    "Esperé 20 minutos y la doctora me explicó todo.",
    "My appointment in March was rescheduled twice.",
    "The staff at Riverside Family Clinic were kind.",
    "my husband was happy with the care",
    "Thank you for everything, God bless.",
    "Volveré el martes 3 a las 9.",
]


def test_the_table_has_at_least_twenty_cases_in_both_languages():
    assert len(CASES) >= 20
    spanish = [
        text
        for text, _gone, _kind in CASES
        if any(
            w in text.lower()
            for w in ("mi ", "me ", "nací", "fecha", "llámame", "la doctora", "fue", "vine")
        )
    ]
    assert len(spanish) >= 8


@pytest.mark.parametrize(("text", "gone", "kind"), CASES)
def test_personal_data_is_replaced_with_a_placeholder(text, gone, kind):
    result = redact(text, providers=PROVIDERS, keep_words=KEEP)
    assert gone not in result.text
    assert result.counts.get(kind, 0) >= 1, result
    assert f"[{kind}]" in result.text


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_left_alone(text):
    result = redact(text, providers=PROVIDERS, keep_words=KEEP)
    assert result.text == text
    assert result.counts == {}


def test_the_providers_named_are_reported_for_kudos():
    result = redact("Thanks to Dr. Ortiz and to Michael", providers=PROVIDERS)
    assert result.providers_named == (1, 2)
    assert result.text == "Thanks to Dr. [name] and to [name]"


def test_a_first_name_and_surname_found_apart_read_as_one_name():
    assert redact("Ana Ortiz listened", providers=PROVIDERS).text == "[name] listened"


def test_provider_name_parts_drop_titles_and_credentials():
    assert provider_name_parts("Dr. Ana Ortiz") == ["Ana", "Ortiz"]
    assert provider_name_parts("Michael Brennan, RN") == ["Michael", "Brennan"]


def test_html_is_not_touched_by_redaction_it_is_escaped_on_output():
    text = "<script>alert(1)</script> was fine"
    assert redact(text).text == text

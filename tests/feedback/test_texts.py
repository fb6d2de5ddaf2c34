"""The one rule for a text in the reader's language, else English (feedback.texts)."""

from feedback.texts import language_fallbacks, language_nearest, text_in

TEXTS = {"en": "How kind were they?", "es": "¿Qué tan amables fueron?", "ar": "ما مدى لطفهم؟"}


def test_a_text_in_the_readers_language_is_shown_as_it_is():
    assert text_in(TEXTS, "es") == "¿Qué tan amables fueron?"
    assert text_in(TEXTS, "ar") == "ما مدى لطفهم؟"


def test_a_regional_language_falls_back_to_its_base_language_before_english():
    assert text_in(TEXTS, "es-mx") == "¿Qué tan amables fueron?"
    assert text_in(TEXTS, "ES-MX") == "¿Qué tan amables fueron?"


def test_a_language_without_a_text_gets_english():
    assert text_in(TEXTS, "pt-br") == "How kind were they?"
    assert text_in(TEXTS, "") == "How kind were they?"


def test_an_empty_translation_counts_as_missing():
    assert text_in({**TEXTS, "es": ""}, "es") == "How kind were they?"


def test_without_english_any_text_is_better_than_none():
    assert text_in({"fr": "", "de": "Wie freundlich?"}, "pt") == "Wie freundlich?"
    assert text_in({}, "en") == ""


def test_the_fallback_order_has_no_repeats():
    assert language_fallbacks("es-mx") == ["es-mx", "es", "en"]
    assert language_fallbacks("en-gb") == ["en-gb", "en"]
    assert language_fallbacks("en") == ["en"]


def test_the_nearest_language_of_a_set_follows_the_same_rule():
    assert language_nearest(["en", "es"], "es-mx") == "es"
    assert language_nearest(["es", "ar"], "fr") == "es"
    assert language_nearest([], "fr") == ""

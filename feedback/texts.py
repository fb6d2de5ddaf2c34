"""Texts kept per language: the one rule for "this language, else English"; no Django import.

Survey wording, dimension labels and theme names are stored as ``{language code: text}``. Every
place that shows one asks ``text_in`` (or ``language_nearest`` for a whole set of texts, such as
a scale's answer labels), so no page mixes two fallback rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# The language every text exists in (instrument definitions and message templates are written
# in English first), and so the last resort before "any text at all".
FALLBACK_LANGUAGE = "en"


def language_fallbacks(language: str) -> list[str]:
    """Where to look, in order: the language, its base language (es-mx -> es), then English."""
    code = (language or "").lower()
    order = [code, code.split("-")[0], FALLBACK_LANGUAGE]
    return [
        candidate
        for index, candidate in enumerate(order)
        if candidate and candidate not in order[:index]
    ]


def language_nearest(available: Iterable[str], language: str) -> str:
    """Of the ``available`` codes, the one to show a reader of ``language``; "" if none.

    The language itself, else its base language, else English, else the first one available.
    """
    codes = list(available)
    for candidate in language_fallbacks(language):
        if candidate in codes:
            return candidate
    return codes[0] if codes else ""


def text_in(texts: Mapping[str, str], language: str) -> str:
    """The text in ``language``, else its base language, else English, else any; "" if none.

    An empty text counts as missing, so a half-translated definition shows English rather
    than a blank question.
    """
    return texts.get(language_nearest((code for code, text in texts.items() if text), language), "")

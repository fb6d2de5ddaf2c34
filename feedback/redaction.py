"""Automatic redaction of personal data in patients' free text (English and Spanish); pure Python.

What it replaces, in this order: e-mail addresses, dates (numeric and written out, English and
Spanish), identity-like numbers (SSN, DNI/NIE, record numbers of 5+ digits), phone numbers (7 to
15 digits with the usual separators), the clinic's own provider names, and other people's names
found conservatively: a capitalised word after a title (Dr., Sra., Nurse...) or a family word
(my husband, mi hija...), and a capitalised word in the middle of a sentence that is not a known
ordinary capitalised word. A name at the start of a sentence with no such cue is missed on
purpose (it cannot be told from an ordinary first word): that is what moderation is for.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field

PLACEHOLDERS = {
    "email": "[email]",
    "date": "[date]",
    "number": "[number]",
    "phone": "[phone]",
    "name": "[name]",
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre"
)
_DATES = [
    re.compile(r"(?<![\d/.-])\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})(?![\d/.-])"),
    re.compile(r"(?<![\d/.-])\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?![\d/.-])"),
    re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", re.I),
    re.compile(rf"\b\d{{1,2}}\s+de\s+(?:{_MONTHS})\s+(?:de|del)\s+\d{{4}}\b", re.I),
    # A birth year alone: "born in 1961", "nací en 1961".
    re.compile(r"(?<=\b(?:born in|born on) )\d{4}\b", re.I),
    re.compile(r"(?<=\bnac[ií] en )\d{4}\b", re.I),
    re.compile(r"(?<=\bnacid[oa] en )\d{4}\b", re.I),
]
_ID_NUMBERS = [
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # US social security number
    re.compile(r"\b\d{8}[A-Za-z]\b"),  # Spanish DNI
    re.compile(r"\b[XYZxyz]-?\d{7}-?[A-Za-z]\b"),  # Spanish NIE
]
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,5}(?![\w])"
)
_PHONE_DIGITS = (7, 15)
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")

_CAPITALISED = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñüàèç'’-]+"
_NAME_RUN = rf"{_CAPITALISED}(?:\s+(?:de\s+la\s+|de\s+|del\s+|van\s+|von\s+)?{_CAPITALISED})*"
_TITLES = (
    r"Dr|Dra|Drs|Mr|Mrs|Ms|Miss|Mx|Sr|Sra|Srta|Dña|Doña|Don|Doctor|Doctora|Nurse|Enfermera|"
    r"Enfermero|Prof|Professor|Profesor|Profesora|Lic|Licenciada|Licenciado|Dr\.ª"
)
_TITLE_NAME = re.compile(rf"\b(?i:{_TITLES})\.?\s+(?P<name>{_NAME_RUN})")
_CUES = (
    r"husband|wife|son|daughter|mother|father|mom|mum|dad|brother|sister|friend|partner|"
    r"grandson|granddaughter|grandmother|grandfather|aunt|uncle|cousin|named|called|"
    r"name is|esposo|esposa|marido|mujer|hijo|hija|madre|padre|mamá|papá|hermano|hermana|"
    r"amigo|amiga|nieto|nieta|abuelo|abuela|tío|tía|primo|prima|llamado|llamada|se llama|"
    r"me llamo|nombre es"
)
# The cue in any case, the name itself capitalised: "my husband was" keeps "was".
_CUE_NAME = re.compile(rf"\b(?i:{_CUES})\s+(?P<name>{_NAME_RUN})")
# Capitalised words in mid-sentence: after a word character, comma or the like, and a space.
_MID_SENTENCE_NAME = re.compile(rf"(?<=[\w,;)’'\]]\s)(?P<name>{_NAME_RUN})")

# Capitalised words that are not people: kept even in mid-sentence.
ORDINARY_CAPITALISED = frozenset(
    """
    I I'm I've I'd I'll OK Okay English Spanish Español Inglés Latino Latina Hispanic Covid
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March April May June July August September October November December
    Lunes Martes Miércoles Jueves Viernes Sábado Domingo
    God Dios Christmas Navidad Easter Semana Santa Thanksgiving
    Doctor Doctora Dr Dra Nurse Enfermera Enfermero Clinic Clínica Hospital Centro Health Salud
    Emergency Urgencias Room Department Family Medical Medicine Pharmacy Farmacia Care
    Medicare Medicaid Zoom Google Internet App Portal Thank Thanks Gracias Please Por Favor
    """.split()
)
_TITLE_WORDS = frozenset(word.lower().rstrip(".") for word in _TITLES.replace("\\.", "").split("|"))
_VOWELS = {"a": "aáàä", "e": "eéèë", "i": "iíìï", "o": "oóòö", "u": "uúùü", "n": "nñ"}


@dataclass(frozen=True)
class Redaction:
    text: str
    counts: dict[str, int] = field(default_factory=dict)
    # Keys of the providers whose names were found (and replaced), in the order given.
    providers_named: tuple[Hashable, ...] = ()


def _accent_blind(word: str) -> str:
    """A regex for word that also matches it with or without accents (Ortiz / Ortíz)."""
    out = []
    for char in word:
        base = next((key for key, variants in _VOWELS.items() if char.lower() in variants), None)
        out.append(f"[{_VOWELS[base]}{_VOWELS[base].upper()}]" if base else re.escape(char))
    return "".join(out)


def provider_name_parts(display_name: str) -> list[str]:
    """The words of a provider's name that identify them: titles and initials dropped."""
    words = re.findall(r"[\w'’-]+", display_name)
    return [w for w in words if w.lower().rstrip(".") not in _TITLE_WORDS and len(w) >= 3]


ProviderPatterns = tuple[re.Pattern[str], tuple[tuple[Hashable, re.Pattern[str]], ...]]
_NOTHING = re.compile(r"(?!)")


def _provider_patterns(providers: Mapping[Hashable, str]) -> ProviderPatterns:
    """(a pattern finding any part of any name, the patterns of each provider): a comment naming
    none of them, most comments, skips the per-provider patterns."""
    return _provider_patterns_of(tuple(providers.items()))


# Built once per clinic's list of providers, not once per comment: building them was most of
# the time of redacting a comment (an export of 40,000 comments spent 80 s here).
@functools.lru_cache(maxsize=256)
def _provider_patterns_of(providers: tuple[tuple[Hashable, str], ...]) -> ProviderPatterns:
    patterns = []
    every_part: list[str] = []
    for key, display_name in providers:
        parts = provider_name_parts(display_name)
        if not parts:
            continue
        every_part.extend(_accent_blind(part) for part in parts)
        full = r"\s+".join(_accent_blind(part) for part in parts)
        singles = "|".join(_accent_blind(part) for part in sorted(parts, key=len, reverse=True))
        # The full name in any case; a single part only when capitalised as a name, or in any
        # case right after a title ("dr ortiz"), so an ordinary word such as "young" survives.
        patterns.append((key, re.compile(rf"(?i:\b{full}\b)")))
        patterns.append(
            (
                key,
                re.compile(
                    rf"(?i:(?<=\bdr\. )|(?<=\bdr )|(?<=\bdra\. )|"
                    rf"(?<=\bdra )|(?<=\bnurse ))(?i:{singles})\b"
                ),
            )
        )
        capitalised = "|".join(_accent_blind(part[0].upper() + part[1:]) for part in parts)
        patterns.append((key, re.compile(rf"\b(?:{capitalised})\b")))
    any_part = re.compile("(?i:" + "|".join(every_part) + ")") if every_part else _NOTHING
    return any_part, tuple(patterns)


def _digits(text: str) -> int:
    return sum(char.isdigit() for char in text)


def _is_ordinary(name_run: str, keep: frozenset[str]) -> bool:
    words = name_run.split()
    return all(word in ORDINARY_CAPITALISED or word in keep for word in words)


def redact(
    text: str,
    *,
    providers: Mapping[Hashable, str] | None = None,
    keep_words: Iterable[str] = (),
) -> Redaction:
    """Replace personal data in ``text`` with placeholders such as "[phone]" and "[name]".

    ``providers`` maps any key (a provider id) to a display name; ``keep_words`` are capitalised
    words that are not people in this context (the words of the clinic's own name, say).
    """
    counts: Counter[str] = Counter()
    keep = frozenset(keep_words) - {""}
    named: list[Hashable] = []

    def replace(pattern: re.Pattern[str], kind: str, value: str) -> str:
        def one(match: re.Match[str]) -> str:
            counts[kind] += 1
            return PLACEHOLDERS[kind]

        return pattern.sub(one, value)

    value = replace(_EMAIL, "email", text)
    for pattern in _DATES:
        value = replace(pattern, "date", value)
    for pattern in _ID_NUMBERS:
        value = replace(pattern, "number", value)

    def phone(match: re.Match[str]) -> str:
        low, high = _PHONE_DIGITS
        found = match.group(0)
        if not low <= _digits(found) <= high:
            return found
        # An unbroken run of digits is more often a record or insurance number than a phone.
        kind = "number" if found.isdigit() else "phone"
        counts[kind] += 1
        return PLACEHOLDERS[kind]

    value = _PHONE.sub(phone, value)
    value = replace(_LONG_NUMBER, "number", value)

    any_part, provider_patterns = _provider_patterns(providers or {})
    for key, pattern in provider_patterns if any_part.search(value) else ():
        value, found = pattern.subn(PLACEHOLDERS["name"], value)
        if found:
            counts["name"] += found
            if key not in named:
                named.append(key)

    def person(match: re.Match[str]) -> str:
        start, end = match.span("name")
        run = match.group("name")
        if _is_ordinary(run, keep):
            return match.group(0)
        counts["name"] += 1
        whole = match.group(0)
        offset = match.start()
        return whole[: start - offset] + PLACEHOLDERS["name"] + whole[end - offset :]

    value = _TITLE_NAME.sub(person, value)
    value = _CUE_NAME.sub(person, value)
    value = _MID_SENTENCE_NAME.sub(person, value)
    # "[name] [name]" (a first name then a surname found apart) reads as one name.
    value = re.sub(r"\[name\](?:\s+\[name\])+", "[name]", value)
    return Redaction(text=value, counts=dict(counts), providers_named=tuple(named))

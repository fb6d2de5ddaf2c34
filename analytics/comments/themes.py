"""Theme tagging of patient comments from a taxonomy file of per-language keywords; pure Python.

The taxonomy is data (analytics/comments/taxonomy/themes.json by default), so a clinic can add
a theme or keywords in a language without touching code. Matching is by whole words with case
and accents ignored; a keyword ending in * matches any ending. A theme is a topic, not a verdict:
"they listened" and "nobody listened" are both about listening; sentiment says which way it went.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from feedback.texts import text_in

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "taxonomy" / "themes.json"


class TaxonomyError(ValueError):
    """The taxonomy file is not usable; the message names the file and the problem."""


def text_fold(text: str) -> str:
    """Lower case without accents (é -> e, ñ -> n), apostrophes unified: what keywords match."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _keyword_pattern(keyword: str) -> str:
    folded = text_fold(keyword.strip())
    stem = folded.endswith("*")
    words = [re.escape(word) for word in folded.rstrip("*").split()]
    return r"\b" + r"\s+".join(words) + (r"\w*" if stem else r"\b")


@dataclass(frozen=True)
class Theme:
    id: str
    label: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    patterns: dict[str, re.Pattern[str]]

    def label_in(self, language: str) -> str:
        return text_in(self.label, language) or self.id


@dataclass(frozen=True)
class Taxonomy:
    themes: tuple[Theme, ...]
    version: int = 1

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(theme.id for theme in self.themes)

    def theme(self, theme_id: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.id == theme_id), None)

    def tag(self, text: str, *, language: str) -> list[str]:
        """The ids of the themes ``text`` is about, in taxonomy order.

        Keywords of the comment's language are used; a language the taxonomy lacks falls back
        to all its languages, so a theme is never silently missed for want of a translation.
        """
        folded = text_fold(text)
        found = []
        for theme in self.themes:
            pattern = theme.patterns.get(language) or theme.patterns.get("*")
            if pattern is not None and pattern.search(folded):
                found.append(theme.id)
        return found


def taxonomy_parse(raw: dict, *, source: str = "taxonomy") -> Taxonomy:
    problems: list[str] = []
    themes: list[Theme] = []
    seen: set[str] = set()
    entries = raw.get("themes") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TaxonomyError(f"{source}: needs a non-empty 'themes' list")
    for index, entry in enumerate(entries):
        where = f"{source}: themes[{index}]"
        theme_id = entry.get("id") if isinstance(entry, dict) else None
        keywords = entry.get("keywords") if isinstance(entry, dict) else None
        if not isinstance(theme_id, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", theme_id):
            problems.append(f"{where}.id: a short lower_case id is required")
            continue
        if theme_id in seen:
            problems.append(f"{where}.id: {theme_id!r} appears twice")
        seen.add(theme_id)
        if (
            not isinstance(keywords, dict)
            or not keywords
            or not all(
                isinstance(words, list)
                and words
                and all(isinstance(w, str) and w.strip("* ") for w in words)
                for words in keywords.values()
            )
        ):
            problems.append(f"{where}.keywords: a list of words per language is required")
            continue
        by_language = {lang: tuple(words) for lang, words in keywords.items()}
        every = [word for words in by_language.values() for word in words]
        patterns = {
            lang: re.compile("|".join(_keyword_pattern(word) for word in words))
            for lang, words in {**by_language, "*": tuple(every)}.items()
        }
        label = entry.get("label") if isinstance(entry.get("label"), dict) else {}
        themes.append(Theme(theme_id, dict(label), by_language, patterns))
    if problems:
        raise TaxonomyError("; ".join(problems))
    return Taxonomy(themes=tuple(themes), version=int(raw.get("version", 1)))


@lru_cache(maxsize=8)
def taxonomy_load(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """Read and check a taxonomy file once per process."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TaxonomyError(f"{path}: {exc}") from exc
    return taxonomy_parse(raw, source=str(path))


def themes_tag(text: str, *, language: str, taxonomy: Taxonomy | None = None) -> list[str]:
    return (taxonomy or taxonomy_load()).tag(text, language=language)


def theme_ids(taxonomy: Taxonomy | None = None) -> Iterable[str]:
    return (taxonomy or taxonomy_load()).ids

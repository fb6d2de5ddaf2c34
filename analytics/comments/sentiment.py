"""Sentiment of patient comments: VADER for English, a small documented lexicon for Spanish.

Both give a score in [-1, 1] (VADER's "compound") and the usual VADER labels: positive from
0.05, negative up to -0.05, neutral between. VADER is a maintained rule-based lexicon built for
short informal English; it ships its lexicon, so nothing is downloaded. There is no VADER for
Spanish: analytics/comments/taxonomy/sentiment_es.json is our own small lexicon with VADER's
rules for negation, intensifiers and "pero". It is an honest first approximation, not a
validated tool: its agreement with readers is measured in tests/analytics/comments/
test_sentiment.py and, on 60 comments written independently of it plus 22 held out,
test_sentiment_spanish_sample.py (about two in three on comments it was not fixed on).
Pure Python: no Django.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analytics.comments.themes import text_fold

SPANISH_LEXICON = Path(__file__).resolve().parent / "taxonomy" / "sentiment_es.json"
POSITIVE_FROM = 0.05
NEGATIVE_UPTO = -0.05
# VADER's constants, so both languages are on the same scale.
_NEGATION_SCALAR = -0.74
_NORMALISATION_ALPHA = 15
_EXCLAMATION_BOOST = 0.292
_BOOSTER_DECAY = (1.0, 0.95, 0.9)
_CONTRAST_AFTER, _CONTRAST_BEFORE = 1.5, 0.5
_WORD = re.compile(r"[a-z0-9ñ]+")


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str
    # "vader-en", "lexicon-es", or "none" for a language we have no method for.
    method: str


def sentiment_label(score: float) -> str:
    if score >= POSITIVE_FROM:
        return "positive"
    if score <= NEGATIVE_UPTO:
        return "negative"
    return "neutral"


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its lexicon file once per process


@dataclass(frozen=True)
class _Lexicon:
    exact: dict[str, float]
    stems: tuple[tuple[str, float], ...]
    phrases: dict[tuple[str, ...], float]
    negators: frozenset[str]
    boosters: dict[str, float]
    contrast: tuple[tuple[str, ...], ...]

    def valence(self, word: str) -> float | None:
        if word in self.exact:
            return self.exact[word]
        return next((value for stem, value in self.stems if word.startswith(stem)), None)


@lru_cache(maxsize=4)
def lexicon_load(path: Path = SPANISH_LEXICON) -> _Lexicon:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    exact: dict[str, float] = {}
    stems: list[tuple[str, float]] = []
    phrases: dict[tuple[str, ...], float] = {}
    for entry, value in raw["words"].items():
        folded = text_fold(entry)
        if " " in folded:
            phrases[tuple(folded.split())] = float(value)
        elif folded.endswith("*"):
            stems.append((folded[:-1], float(value)))
        else:
            exact[folded] = float(value)
    return _Lexicon(
        exact=exact,
        # Longest stem first, so "desconfi*" wins over "confi*"-like shorter stems.
        stems=tuple(sorted(stems, key=lambda pair: len(pair[0]), reverse=True)),
        phrases=phrases,
        negators=frozenset(text_fold(word) for word in raw["negators"]),
        boosters={text_fold(word): float(v) for word, v in raw["boosters"].items()},
        contrast=tuple(tuple(text_fold(word).split()) for word in raw["contrast"]),
    )


def _spanish_score(text: str, lexicon: _Lexicon) -> float:
    tokens = _WORD.findall(text_fold(text))
    longest_phrase = max((len(p) for p in lexicon.phrases), default=1)
    # (position, valence) of each sentiment-bearing word or phrase.
    hits: list[tuple[int, float]] = []
    index = 0
    while index < len(tokens):
        for size in range(longest_phrase, 1, -1):
            phrase = tuple(tokens[index : index + size])
            if len(phrase) == size and phrase in lexicon.phrases:
                hits.append((index, lexicon.phrases[phrase]))
                index += size
                break
        else:
            value = lexicon.valence(tokens[index])
            if value is not None and tokens[index] not in lexicon.negators:
                hits.append((index, value))
            index += 1

    contrast_at = next(
        (
            i
            for i in range(len(tokens))
            for words in lexicon.contrast
            if tuple(tokens[i : i + len(words)]) == words
        ),
        None,
    )
    total = 0.0
    for position, value in hits:
        before = tokens[max(0, position - 3) : position]
        for distance, word in enumerate(reversed(before)):
            boost = lexicon.boosters.get(word)
            if boost is not None:
                value += math.copysign(boost * _BOOSTER_DECAY[distance], value)
        if any(word in lexicon.negators for word in before):
            value *= _NEGATION_SCALAR
        if contrast_at is not None:
            value *= _CONTRAST_AFTER if position > contrast_at else _CONTRAST_BEFORE
        total += value
    if total:
        total += math.copysign(min(text.count("!"), 4) * _EXCLAMATION_BOOST, total)
    return total / math.sqrt(total * total + _NORMALISATION_ALPHA)


def sentiment_of(text: str, *, language: str) -> Sentiment:
    """The sentiment of one comment in its language (English and Spanish supported)."""
    if not text.strip():
        return Sentiment(0.0, "neutral", "none")
    if language == "en":
        score = _vader().polarity_scores(text)["compound"]
        method = "vader-en"
    elif language == "es":
        score = _spanish_score(text, lexicon_load())
        method = "lexicon-es"
    else:
        return Sentiment(0.0, "neutral", "none")
    score = max(-1.0, min(1.0, round(score, 4)))
    return Sentiment(score, sentiment_label(score), method)

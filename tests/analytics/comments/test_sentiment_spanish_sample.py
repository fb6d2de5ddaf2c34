"""The Spanish lexicon against 60 + 22 Spanish comments labelled by a reader (issue 15).

Measured (positive / neutral / negative, agreement = share of comments given the reader's label):
  lexicon v1: sample 48 of 60 = 0.80; held-out 16 of 22 = 0.73.
  lexicon v2: sample 59 of 60 = 0.98; held-out 15 of 22 = 0.68.
v2 was fixed on the sample's misses, so its sample figure is optimistic; the held-out comments
were not looked at while fixing, and say what to expect on new comments: about two in three.
The held-out comment v2 lost was right in v1 only because the noun "pacientes" counted as
praise. Its misses are words the lexicon does not know (a regañó, cancelaron, "de primera").
"""

import pytest

from analytics.comments.sentiment import sentiment_of
from tests.analytics.comments.labelled_comments_es import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    SPANISH_HELD_OUT,
    SPANISH_SAMPLE,
)

SAMPLE_FLOOR = 0.95
HELD_OUT_FLOOR = 0.65


def _agreement(rows) -> float:
    return sum(sentiment_of(text, language="es").label == label for text, label in rows) / len(rows)


def test_the_sample_has_at_least_fifty_comments_of_every_label():
    assert len(SPANISH_SAMPLE) >= 50
    for label in (POSITIVE, NEUTRAL, NEGATIVE):
        assert sum(row[1] == label for row in SPANISH_SAMPLE) >= 10
    assert not {text for text, _ in SPANISH_SAMPLE} & {text for text, _ in SPANISH_HELD_OUT}


@pytest.mark.parametrize(
    ("rows", "floor"), [(SPANISH_SAMPLE, SAMPLE_FLOOR), (SPANISH_HELD_OUT, HELD_OUT_FLOOR)]
)
def test_spanish_sentiment_agrees_with_readers_at_least_as_measured(rows, floor):
    agreement = _agreement(rows)
    print(f"Spanish lexicon agreement: {agreement:.3f} on {len(rows)} comments")
    assert agreement >= floor


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # The noun "pacientes" is not praise, nor a waiting room or health insurance a feeling.
        ("Había muchos pacientes.", NEUTRAL),
        ("Llené la encuesta en la sala de espera.", NEUTRAL),
        ("Pagué con mi seguro médico.", NEUTRAL),
        # The demo's complaints that read as neutral in v1 while English read them negative.
        ("No había intérprete y mi hijo tuvo que traducir.", NEGATIVE),
        ("El doctor hizo un comentario sobre mi comida y mi cultura que me dolió.", NEGATIVE),
        ("La atención fue buena, pero la espera fue muy larga.", NEGATIVE),
    ],
)
def test_words_of_the_clinic_are_read_as_patients_mean_them(text, label):
    assert sentiment_of(text, language="es").label == label

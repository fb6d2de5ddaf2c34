"""Patient comments and testimonials for the demo data, in plain English and Spanish, by theme.

Written for this project. A comment's theme follows the response's own scores: praise for high
ones, the weakest dimension's complaint for low ones, mixed remarks in between.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from feedback.scoring import DimensionResult

COMMENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "praise": {
        "en": (
            "Everyone was kind and patient with me.",
            "The doctor took time to answer all my questions.",
            "I felt listened to for the first time in a long time.",
            "Very caring staff. Thank you.",
            "The nurse explained my new medicine step by step.",
            "They treated me like a person, not a number.",
            "Great visit. I left feeling much better about my plan.",
            "My son was scared and the staff made him feel safe.",
            "The doctor sat down, looked at me and really listened.",
        ),
        "es": (
            "Todos fueron amables y pacientes conmigo.",
            "La doctora respondió todas mis preguntas con calma.",
            "Me sentí escuchada. Muchas gracias.",
            "El personal es muy atento y cariñoso.",
            "La enfermera me explicó mi medicina paso a paso.",
            "Me trataron como persona, no como un número.",
            "Excelente atención, salí tranquilo.",
            "Mi hija tenía miedo y la hicieron sentir segura.",
        ),
    },
    "trust_good": {
        "en": (
            "I have been coming here for years and I trust them completely.",
            "I feel safe bringing my kids here.",
            "I could tell them about my drinking without feeling judged.",
        ),
        "es": (
            "Vengo aquí hace años y confío en ellos totalmente.",
            "Me siento segura trayendo a mis hijos aquí.",
        ),
    },
    "respect_good": {
        "en": (
            "They respected my religious wishes about my treatment.",
            "The interpreter was there on time and the doctor spoke to me, not to her.",
        ),
        "es": (
            "Respetaron mis creencias sobre mi tratamiento.",
            "Qué bueno tener un doctor que habla español. Me sentí en confianza.",
        ),
    },
    "time": {
        "en": (
            "The doctor seemed in a hurry and was typing the whole time.",
            "I felt rushed. I had more questions but did not get to ask them.",
            "The visit was over in five minutes.",
            "They were nice but I felt like they wanted me out the door.",
        ),
        "es": (
            "El doctor tenía prisa y casi no me miró.",
            "Me sentí apurado. No pude hacer todas mis preguntas.",
            "La consulta duró cinco minutos.",
            "Fueron amables pero sentí que querían que me fuera rápido.",
        ),
    },
    "waiting": {
        "en": (
            "I waited over an hour past my appointment time.",
            "Long wait in the lobby and nobody told us why.",
            "Care was good once I was seen, but the wait was too long.",
            "Please call or text when the doctor is running late.",
        ),
        "es": (
            "Esperé más de una hora después de mi cita.",
            "Mucha espera y nadie nos explicó por qué.",
            "La atención fue buena, pero la espera fue muy larga.",
            "Por favor avisen cuando el doctor va atrasado.",
        ),
    },
    "communication": {
        "en": (
            "I tried to explain my pain but they did not listen.",
            "Nobody explained what the test results mean.",
            "I was not asked what I wanted. The decision was made for me.",
            "I left more confused than when I came in.",
        ),
        "es": (
            "Traté de explicar mi dolor pero no me escucharon.",
            "Nadie me explicó qué significan los resultados.",
            "No me preguntaron mi opinión sobre el tratamiento.",
            "Salí más confundida que cuando llegué.",
        ),
    },
    "empathy": {
        "en": (
            "The doctor was cold and did not seem to care.",
            "I was upset and nobody asked if I was okay.",
            "It felt like I was a bother to them.",
        ),
        "es": (
            "El doctor fue frío y no mostró interés.",
            "Estaba preocupada y nadie me preguntó cómo me sentía.",
            "Sentí que era una molestia para ellos.",
        ),
    },
    "respect": {
        "en": (
            "There was no interpreter and my son had to translate for me.",
            "The doctor made a comment about my food and my culture that hurt.",
            "The front desk was rude to my mother because of her English.",
        ),
        "es": (
            "No había intérprete y mi hijo tuvo que traducir.",
            "El doctor hizo un comentario sobre mi comida y mi cultura que me dolió.",
            "En la recepción fueron groseros con mi mamá por su inglés.",
        ),
    },
    "trust": {
        "en": (
            "I am not sure I trust the advice I got. I will get a second opinion.",
            "Different people told me different things.",
        ),
        "es": (
            "No estoy seguro de confiar en lo que me dijeron. Buscaré otra opinión.",
            "Cada persona me dijo algo diferente.",
        ),
    },
    "mixed": {
        "en": (
            "Good doctor, but the front desk could be friendlier.",
            "The nurse was wonderful. The doctor was a little rushed.",
            "Parking was hard, but the visit itself went well.",
            "Fine overall. I wish they had called me back about my results sooner.",
        ),
        "es": (
            "Buen doctor, pero en la recepción podrían ser más amables.",
            "La enfermera fue maravillosa. El doctor un poco apurado.",
            "Difícil estacionarse, pero la consulta salió bien.",
            "Bien en general. Ojalá me hubieran llamado antes con mis resultados.",
        ),
    },
    "telehealth": {
        "en": ("The video call kept freezing, but the doctor was patient with me.",),
        "es": ("La videollamada se cortaba, pero la doctora tuvo paciencia conmigo.",),
    },
}

TESTIMONIALS: dict[str, tuple[str, ...]] = {
    "en": (
        "After my diagnosis I was scared. The team sat with me, explained everything and called "
        "the next day to check on me. I will never forget that.",
        "The nurse saw I was nervous and stayed with me until I felt calm. That kindness meant "
        "a lot to me.",
        "My doctor always asks about my life, not only my blood pressure. I feel like I matter.",
        "They helped my father with dignity in his last months. Our whole family is grateful.",
        "I came in anxious about my test results. The doctor explained every number and "
        "what we would do next. I went home calm for the first time in weeks.",
        "The front desk remembered my name and asked about my new job. Small things, but they "
        "make this place feel like a family practice.",
        "When my son had a panic attack in the waiting room, a nurse took us to a quiet room "
        "and stayed until he could breathe again.",
    ),
    "es": (
        "Cuando llegué con mi bebé enferma nos atendieron rápido y con mucho cariño. Gracias a "
        "todo el equipo.",
        "Por fin encontré una clínica donde me explican las cosas en mi idioma y con paciencia.",
        "Me trataron con respeto desde la recepción hasta la salida. Se lo recomiendo a todos.",
        "Mi mamá no habla inglés y la intérprete estuvo con nosotras toda la consulta. Nos "
        "sentimos respetadas.",
        "La enfermera me llamó al día siguiente para saber cómo seguía. Nunca me había pasado.",
    ),
}
# Stories that thank the patient's own provider by name: the provider's kudos page shows them.
THANKS: dict[str, tuple[str, ...]] = {
    "en": (
        "Thank you, {provider}! You listened to me and explained everything so clearly.",
        "{provider} was so kind to my mother and took all the time she needed. Thank you.",
    ),
    "es": (
        "Gracias, {provider}, por su paciencia y por explicarme todo con calma.",
        "{provider} fue muy amable con mi papá. Le agradecemos mucho.",
    ),
}
# Share of patients who write a comment, by how the visit went: unhappy patients write more.
# About a third of all patients, so each clinic has enough comments per month (more than
# MIN_GROUP_SIZE for its main themes) for the comments page to show them.
COMMENT_RATE = {"high": 0.32, "low": 0.65, "mixed": 0.3}
FIRST_NAMES = ("Maria", "James", "Rosa", "Linda", "Carlos", "Grace", "Luis", "Ana")


def comment_for(
    rng: random.Random,
    results: Mapping[str, DimensionResult],
    language: str,
    visit_type: str,
) -> str:
    """A comment matching the response's scores, or "" (most patients leave none)."""
    likert = {dim: r.score for dim, r in results.items() if dim != "recommend"}
    if not likert:
        return ""
    overall = sum(likert.values()) / len(likert)
    weakest = min(likert, key=likert.get)
    if overall >= 80:
        if rng.random() > COMMENT_RATE["high"]:
            return ""
        theme = rng.choices(("praise", "trust_good", "respect_good"), (6, 2, 1))[0]
    elif overall <= 55:
        if rng.random() > COMMENT_RATE["low"]:
            return ""
        theme = weakest if likert[weakest] < 60 else rng.choice(("waiting", "time"))
        if theme == "time" and rng.random() < 0.35:
            theme = "waiting"
    else:
        if rng.random() > COMMENT_RATE["mixed"]:
            return ""
        theme = rng.choices(("mixed", "waiting", weakest), (4, 2, 2))[0]
    if visit_type == "telehealth" and rng.random() < 0.3:
        theme = "telehealth"
    return rng.choice(COMMENTS[theme][language])


def testimonial_for(
    rng: random.Random,
    results: Mapping[str, DimensionResult],
    language: str,
    provider_name: str = "",
) -> tuple[str, str, str]:
    """(text, consent, first name) for a testimonial; empty text unless the scores are high.

    Some thank the patient's provider by name (kudos); the redaction hides the name on the wall.
    """
    likert = [r.score for dim, r in results.items() if dim != "recommend"]
    if not likert or sum(likert) / len(likert) < 75:
        return "", "", ""
    consent = rng.choices(("anonymous", "first_name", "private"), (5, 3, 1))[0]
    first_name = rng.choice(FIRST_NAMES) if consent == "first_name" else ""
    if provider_name and rng.random() < 0.4:
        return rng.choice(THANKS[language]).format(provider=provider_name), consent, first_name
    return rng.choice(TESTIMONIALS[language]), consent, first_name

"""A labelled sample of patient comments (written for these tests, before the Spanish lexicon).

Each row: text, language, the sentiment a reader would give it, and the themes it is about.
Used to measure theme tagging and sentiment accuracy; the figures are reported, with floors
asserted in test_themes.py and test_sentiment.py.
"""

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"

LABELLED = [
    # English
    (
        "The doctor really listened to me and explained everything clearly.",
        "en",
        POSITIVE,
        {"listening", "clear_explanation"},
    ),
    (
        "I waited almost two hours past my appointment time and nobody told me why.",
        "en",
        NEGATIVE,
        {"waiting"},
    ),
    ("She was so kind and gentle with my mother.", "en", POSITIVE, {"kindness"}),
    ("I felt rushed, the visit was over in five minutes.", "en", NEGATIVE, {"time"}),
    ("The nurse was rude and talked down to me.", "en", NEGATIVE, {"respect_dignity"}),
    (
        "They found an interpreter so I could speak in my own language. Thank you!",
        "en",
        POSITIVE,
        {"cultural_sensitivity"},
    ),
    (
        "We talked about the options and decided together on a treatment plan.",
        "en",
        POSITIVE,
        {"involvement"},
    ),
    ("I trust my doctor completely, I always feel in good hands.", "en", POSITIVE, {"trust"}),
    (
        "The staff looked exhausted and overwhelmed, I felt sorry for them.",
        "en",
        NEGATIVE,
        {"staff_exhaustion"},
    ),
    ("Nobody explained the results and I left confused.", "en", NEGATIVE, {"clear_explanation"}),
    ("Appointment on Tuesday.", "en", NEUTRAL, set()),
    ("The parking lot is behind the building.", "en", NEUTRAL, set()),
    ("Great care as always, thank you.", "en", POSITIVE, set()),
    ("The doctor kept interrupting me and did not listen.", "en", NEGATIVE, {"listening"}),
    ("I was treated with dignity and respect at every step.", "en", POSITIVE, {"respect_dignity"}),
    (
        "They took the time to answer all my questions.",
        "en",
        POSITIVE,
        {"time", "clear_explanation"},
    ),
    ("The receptionist was unfriendly and cold.", "en", NEGATIVE, {"kindness"}),
    ("No complaints, everything went well.", "en", POSITIVE, set()),
    ("I did not feel safe and I don't trust them anymore.", "en", NEGATIVE, {"trust"}),
    (
        "Short wait, friendly staff, clear instructions.",
        "en",
        POSITIVE,
        {"waiting", "kindness", "clear_explanation"},
    ),
    (
        "They respected my religious beliefs about the procedure.",
        "en",
        POSITIVE,
        {"respect_dignity", "cultural_sensitivity"},
    ),
    ("Nobody asked my opinion, the decision was made for me.", "en", NEGATIVE, {"involvement"}),
    ("The doctor seemed tired and in a hurry.", "en", NEGATIVE, {"staff_exhaustion", "time"}),
    ("I came for a blood test.", "en", NEUTRAL, set()),
    ("Wonderful, compassionate nurses. I am grateful.", "en", POSITIVE, {"kindness"}),
    # Spanish
    (
        "La doctora me escuchó con paciencia y me explicó todo muy claro.",
        "es",
        POSITIVE,
        {"listening", "clear_explanation"},
    ),
    ("Esperé más de dos horas y nadie me dijo nada.", "es", NEGATIVE, {"waiting"}),
    ("La enfermera fue muy amable y cariñosa con mi hijo.", "es", POSITIVE, {"kindness"}),
    ("Me sentí apurada, la consulta duró cinco minutos.", "es", NEGATIVE, {"time"}),
    ("El recepcionista fue grosero y me trató sin respeto.", "es", NEGATIVE, {"respect_dignity"}),
    (
        "Había un intérprete y pude hablar en mi idioma. Muchas gracias.",
        "es",
        POSITIVE,
        {"cultural_sensitivity"},
    ),
    ("Decidimos juntos el plan de tratamiento.", "es", POSITIVE, {"involvement"}),
    ("Confío mucho en mi médico, me siento segura aquí.", "es", POSITIVE, {"trust"}),
    ("El personal estaba agotado y saturado de trabajo.", "es", NEGATIVE, {"staff_exhaustion"}),
    (
        "No entendí nada de lo que me dijeron, salí confundido.",
        "es",
        NEGATIVE,
        {"clear_explanation"},
    ),
    ("Tengo cita el martes.", "es", NEUTRAL, set()),
    ("El estacionamiento está detrás del edificio.", "es", NEUTRAL, set()),
    ("Excelente atención, como siempre.", "es", POSITIVE, set()),
    ("El médico no me escuchó y me interrumpía todo el tiempo.", "es", NEGATIVE, {"listening"}),
    ("Me trataron con dignidad y respeto.", "es", POSITIVE, {"respect_dignity"}),
    ("Se tomó el tiempo de responder mis preguntas.", "es", POSITIVE, {"time"}),
    ("La recepcionista fue antipática y fría.", "es", NEGATIVE, {"kindness"}),
    ("Todo bien, sin quejas.", "es", POSITIVE, set()),
    ("No me sentí seguro y ya no confío en ellos.", "es", NEGATIVE, {"trust"}),
    (
        "Poca espera, personal simpático y explicaciones claras.",
        "es",
        POSITIVE,
        {"waiting", "kindness", "clear_explanation"},
    ),
    (
        "Respetaron mis creencias religiosas.",
        "es",
        POSITIVE,
        {"respect_dignity", "cultural_sensitivity"},
    ),
    ("Nadie me preguntó mi opinión, decidieron por mí.", "es", NEGATIVE, {"involvement"}),
    ("La doctora parecía cansada y tenía prisa.", "es", NEGATIVE, {"staff_exhaustion", "time"}),
    ("Vine a hacerme un análisis de sangre.", "es", NEUTRAL, set()),
    ("Enfermeras maravillosas y compasivas. Estoy muy agradecida.", "es", POSITIVE, {"kindness"}),
    ("La atención fue mala y el trato peor.", "es", NEGATIVE, set()),
    ("No fue tan malo como pensaba, me fue bien.", "es", POSITIVE, set()),
]

"""Spanish patient comments labelled by a reader, to check the Spanish sentiment lexicon.

Written for issue 15 before the lexicon was looked at or changed, by someone other than its
author, as patients at a community clinic write (Mexican, Central American and Caribbean
Spanish; accents sometimes missing, as on a phone). The label is what a reader would say the
comment as a whole expresses. Kept apart from the lexicon's words on purpose: the sample
measures the lexicon, it is never tuned to pass it (test_sentiment_spanish_sample.py).
"""

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"

SPANISH_SAMPLE = [
    # Positive
    ("La doctora me atendió con mucha paciencia y me explicó todo.", POSITIVE),
    ("Muy buena atención, me sentí en confianza desde que llegué.", POSITIVE),
    ("El enfermero fue muy amable con mi papá, se lo agradezco.", POSITIVE),
    ("Me encantó que me hablaran en español sin problema.", POSITIVE),
    ("Excelente servicio, rápido y con respeto.", POSITIVE),
    ("Gracias a todo el equipo, me trataron súper bien.", POSITIVE),
    ("El doctor me escuchó de verdad y no me apuró.", POSITIVE),
    ("Salí contenta, por fin entiendo mi tratamiento.", POSITIVE),
    ("La recepcionista fue muy atenta y me ayudó con los papeles.", POSITIVE),
    ("Me sentí respetada y tomaron en cuenta mi opinión.", POSITIVE),
    ("Todo muy bien, la clinica limpia y el personal cariñoso.", POSITIVE),
    ("Es la mejor clínica a la que he ido, los recomiendo.", POSITIVE),
    ("La doctora fue muy humana, me dio ánimo en un momento difícil.", POSITIVE),
    ("Me explicaron los resultados con dibujos, muy claro todo.", POSITIVE),
    ("Estoy muy agradecida por la ayuda con el intérprete.", POSITIVE),
    ("Buen trato, me preguntaron cómo me sentía y me escucharon.", POSITIVE),
    ("Fue una consulta tranquila y bien explicada.", POSITIVE),
    ("Siempre me reciben con una sonrisa, da gusto venir.", POSITIVE),
    ("La espera fue larga pero valió la pena, la doctora es excelente.", POSITIVE),
    ("Muy profesionales y cariñosos con mi bebé.", POSITIVE),
    ("Confío mucho en mi doctor, siempre me da buenos consejos.", POSITIVE),
    ("Me ayudaron a conseguir mis medicinas más baratas, muy amables.", POSITIVE),
    ("La enfermera tuvo mucho cuidado al sacarme sangre, no me dolió nada.", POSITIVE),
    ("Quedé feliz con la atención, gracias.", POSITIVE),
    # Negative
    ("Esperé casi dos horas y nadie me dijo nada.", NEGATIVE),
    ("El doctor ni me miró, solo escribía en la computadora.", NEGATIVE),
    ("La recepcionista fue grosera y me habló feo.", NEGATIVE),
    ("Me sentí ignorada, nadie contestó mis preguntas.", NEGATIVE),
    ("Muy mala experiencia, no pienso regresar.", NEGATIVE),
    ("La consulta fue muy rápida, sentí que me corrían.", NEGATIVE),
    ("No me explicaron nada del tratamiento, salí peor de confundido.", NEGATIVE),
    ("Me trataron mal por no hablar inglés.", NEGATIVE),
    ("Pedí un intérprete y nunca llegó.", NEGATIVE),
    ("El doctor fue muy frío y no le importó mi dolor.", NEGATIVE),
    ("Nadie me llamó con los resultados, tuve que llamar tres veces.", NEGATIVE),
    ("Me dio vergüenza cómo me hablaron enfrente de otros pacientes.", NEGATIVE),
    ("Perdí el día de trabajo esperando para una consulta de cinco minutos.", NEGATIVE),
    ("La enfermera estaba de mal humor y me regañó.", NEGATIVE),
    ("No confío en lo que me dijeron, cada quien dice algo distinto.", NEGATIVE),
    ("Es un desastre la cita por teléfono, nunca contestan.", NEGATIVE),
    ("Me sentí como un número, nada más.", NEGATIVE),
    ("El trato fue pésimo y nadie se disculpó.", NEGATIVE),
    ("Traje a mi hijo con fiebre y nos hicieron esperar afuera en el frío.", NEGATIVE),
    ("No respetaron mi decisión sobre el tratamiento.", NEGATIVE),
    ("Estoy muy decepcionada con el servicio de hoy.", NEGATIVE),
    ("Fueron amables, pero la doctora no me dejó terminar de hablar.", NEGATIVE),
    ("Se burlaron de mi acento en la recepción.", NEGATIVE),
    ("La verdad no me ayudaron en nada.", NEGATIVE),
    # Neutral
    ("Vine por mi chequeo anual.", NEUTRAL),
    ("Fue mi primera visita a esta clínica.", NEUTRAL),
    ("Me hicieron análisis de sangre y me dieron otra cita.", NEUTRAL),
    ("Vine con mi esposo para su consulta de seguimiento.", NEUTRAL),
    ("La cita fue por video.", NEUTRAL),
    ("Me cambiaron la dosis de la medicina de la presión.", NEUTRAL),
    ("Tengo que regresar en tres meses.", NEUTRAL),
    ("Llené la encuesta en la sala de espera.", NEUTRAL),
    ("Me atendió un doctor diferente al de siempre.", NEUTRAL),
    ("Nada que agregar.", NEUTRAL),
    ("Me mandaron con un especialista para otra revisión.", NEUTRAL),
    ("Pagué con mi seguro médico.", NEUTRAL),
]

# Held out: written with the sample above, but not looked at while the lexicon was fixed, so
# their agreement is an honest estimate of how the fixes carry over to unseen comments.
SPANISH_HELD_OUT = [
    ("Muy atentos todos, me sentí como en familia.", POSITIVE),
    ("El médico me dedicó el tiempo necesario, quedé satisfecho.", POSITIVE),
    ("Me orientaron muy bien sobre mi diabetes.", POSITIVE),
    ("Gracias por la paciencia con mi mamá que no oye bien.", POSITIVE),
    ("Todo rápido y bien organizado, felicidades.", POSITIVE),
    ("Una atención de primera, se nota que les importan los pacientes.", POSITIVE),
    ("La doctora es un amor, explica con calma.", POSITIVE),
    ("Me resolvieron el problema de la receta el mismo día.", POSITIVE),
    ("Nunca me habían tratado tan mal en una clínica.", NEGATIVE),
    ("Tuve que esperar parado porque no había sillas.", NEGATIVE),
    ("Me cobraron algo que no debían y nadie me supo explicar.", NEGATIVE),
    ("La doctora me regañó por mi peso delante de mis hijos.", NEGATIVE),
    ("Me cancelaron la cita sin avisar.", NEGATIVE),
    ("El personal parecía cansado y de malas.", NEGATIVE),
    ("No me dieron la oportunidad de explicar lo que sentía.", NEGATIVE),
    ("Me sentí humillada por la forma en que me preguntaron sobre mis papeles.", NEGATIVE),
    ("Vine a recoger una receta.", NEUTRAL),
    ("Me vacunaron contra la gripe.", NEUTRAL),
    ("La consulta fue en la tarde.", NEUTRAL),
    ("Traje los resultados del laboratorio.", NEUTRAL),
    ("Es la segunda vez que vengo este mes.", NEUTRAL),
    ("Me tomaron la presión y el peso.", NEUTRAL),
]

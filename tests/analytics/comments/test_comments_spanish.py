"""The comments pages in Spanish: headings, table headers and each comment's caption."""

import pytest
from django.urls import reverse

from analytics.comments.services import comments_analyse_pending
from feedback.services import response_submit

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture
def listened_to(instrument, clinic_a, full_answers, settings):
    settings.MIN_GROUP_SIZE = 3
    for _ in range(4):
        response_submit(
            instrument=instrument,
            clinic=clinic_a,
            answers=full_answers,
            language="es",
            comment="Me escucharon con paciencia, muy amables.",
        )
    comments_analyse_pending()


def test_comments_overview_and_theme_pages_are_in_spanish(client, manager_a, clinic_a, listened_to):
    client.force_login(manager_a)
    overview = client.get(reverse("comments:overview"), {"clinic": clinic_a.pk}, **SPANISH)
    theme = client.get(reverse("comments:theme", args=[clinic_a.pk, "listening"]), **SPANISH)
    overview, theme = overview.content.decode(), theme.content.decode()

    assert "Sobre qué escriben los pacientes" in overview and "Temas en 4 comentarios" in overview
    assert "Sentimiento medio" in overview and "Temas por semana" in overview
    assert "A lo largo del tiempo" in overview and "Lo estima un programa" in overview
    assert "Volver a todos los temas" in theme and "Los datos personales están ocultos." in theme
    assert theme.count("· comentario · positivo</figcaption>") == 4
    assert "· comment ·" not in theme and "positive</figcaption>" not in theme

"""The moderation queue and the follow-up list speak Spanish to a Spanish browser."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.mark.parametrize(
    "page, spanish, english",
    [
        ("staff:moderation_queue", "Filtrar por estado", "Filter by status"),
        ("staff:follow_ups", "No hay nada aquí.", "Nothing here."),
    ],
)
def test_an_empty_staff_page_is_in_spanish(client, manager_a, page, spanish, english):
    client.force_login(manager_a)

    html = client.get(reverse(page), **SPANISH).content.decode()

    assert spanish in html
    assert english not in html

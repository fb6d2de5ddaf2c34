"""Asking for another clinic's object is answered with the same 404 as a missing one, and the
refusal is audited with the user, the time and the client address (a missing object is not)."""

import pytest
from django.urls import reverse

from feedback.models import AuditEvent, Provider
from feedback.services import response_submit

MISSING = 999_999
ADDRESS = "203.0.113.77"


@pytest.fixture
def clinic_b_objects(instrument, clinic_b, full_answers):
    """A provider, a pending testimonial and an open follow-up, all at clinic B."""
    provider = Provider.objects.create(clinic=clinic_b, display_name="Dr. Berta Gil")
    answers = {**full_answers, "recommend": 2}
    response = response_submit(
        instrument=instrument,
        clinic=clinic_b,
        answers=answers,
        language="en",
        comment="Nobody listened.",
        testimonial_text="The nurse was kind.",
        testimonial_consent="anonymous",
    )
    return {
        "clinic": clinic_b.pk,
        "provider": provider.pk,
        "testimonial": response.testimonial.pk,
        "follow_up": response.follow_up.pk,
    }


# (what is asked for, kind in the audit target, method, URL for an id)
REQUESTS = [
    ("clinic", "clinic", "get", lambda pk: reverse("analytics:dashboard") + f"?clinic={pk}"),
    (
        "clinic",
        "clinic",
        "get",
        lambda pk: reverse("analytics:dashboard_csv", args=["trend"]) + f"?clinic={pk}",
    ),
    ("clinic", "clinic", "get", lambda pk: reverse("comments:overview") + f"?clinic={pk}"),
    ("clinic", "clinic", "get", lambda pk: reverse("comments:theme", args=[pk, "listening"])),
    ("clinic", "clinic", "post", lambda pk: reverse("exports:start")),
    ("provider", "provider", "get", lambda pk: reverse("analytics:dashboard") + f"?provider={pk}"),
    ("provider", "provider", "get", lambda pk: reverse("staff:provider_kudos", args=[pk])),
    (
        "testimonial",
        "testimonial",
        "post",
        lambda pk: reverse("staff:testimonial_moderate", args=[pk]),
    ),
    ("follow_up", "follow_up", "post", lambda pk: reverse("staff:follow_up_handled", args=[pk])),
]


def _ask(client, method, url, pk):
    data = {
        "clinic": pk,
        "kind": "responses",
        "file_format": "csv",
        "period": "90d",
        "action": "approve",
        "note": "Called back.",
    }
    if method == "post":
        return client.post(url, data, REMOTE_ADDR=ADDRESS)
    return client.get(url, REMOTE_ADDR=ADDRESS)


@pytest.mark.hardening
@pytest.mark.parametrize(("what", "kind", "method", "url_for"), REQUESTS)
def test_another_clinics_object_is_a_404_like_a_missing_one_and_is_audited(
    client, manager_a, clinic_b_objects, what, kind, method, url_for
):
    client.force_login(manager_a)
    pk = clinic_b_objects[what]

    missing = _ask(client, method, url_for(MISSING), MISSING)
    assert missing.status_code == 404
    assert not AuditEvent.objects.exists()

    refused = _ask(client, method, url_for(pk), pk)
    assert refused.status_code == 404
    assert refused.content == missing.content

    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.clinic_id, event.target) == (
        "access_refused",
        manager_a,
        clinic_b_objects["clinic"],
        f"{kind}:{pk}",
    )
    assert (event.client_address, event.username) == (ADDRESS, "manager_a")
    assert event.created_at is not None


def test_the_clinics_own_manager_is_not_refused_or_audited(client, manager_b, clinic_b_objects):
    client.force_login(manager_b)
    url = reverse("staff:provider_kudos", args=[clinic_b_objects["provider"]])
    assert client.get(url).status_code == 200
    assert (
        client.get(
            reverse("analytics:dashboard") + f"?clinic={clinic_b_objects['clinic']}"
        ).status_code
        == 200
    )
    assert not AuditEvent.objects.exists()


def test_a_garbage_id_is_a_404_and_not_audited(client, manager_a, clinic_b_objects):
    client.force_login(manager_a)
    assert client.get(reverse("analytics:dashboard") + "?provider=1%20OR%201=1").status_code == 404
    assert client.get(reverse("analytics:dashboard") + "?clinic=abc").status_code == 404
    assert not AuditEvent.objects.exists()

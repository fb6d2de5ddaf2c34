"""POST /api/v1/visits: the CSV import's rules through a token-scoped JSON API, with limits."""

import json

import pytest
from django.core.cache import cache

from feedback.models import Invitation, Visit
from integrations.models import ApiToken
from integrations.services import api_token_create, api_tokens_revoke
from tests.integrations.conftest import bearer, post_json

pytestmark = pytest.mark.django_db


def visit(external_id: str = "V-1", **fields) -> dict:
    item = {
        "visit_external_id": external_id,
        "clinic": "riverside",
        "occurred_at": "2026-11-19T10:00",
        "email": f"{external_id.lower()}@example.com",
    }
    item.update(fields)
    return item


def test_visits_are_created_with_invitations_and_a_result_per_item(
    api_client, token_a, provider_a, eager_tasks, instrument, django_capture_on_commit_callbacks
):
    _, token = token_a
    body = [
        visit("V-1", provider_external_id="P-1", preferred_language="es"),
        visit("V-2", email=None, phone="+1 555 010 2000", visit_type="follow_up"),
        visit("V-3", occurred_at="19/11/2026"),
        visit("V-4", email=None),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_json(api_client, body, token)

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["duplicate"], data["rejected"]) == (2, 0, 2)
    statuses = [(r["visit_external_id"], r["status"]) for r in data["results"]]
    assert statuses == [
        ("V-1", "created"),
        ("V-2", "created"),
        ("V-3", "rejected"),
        ("V-4", "rejected"),
    ]
    assert data["results"][0]["invitation"] == "scheduled"
    assert "bad date '19/11/2026'" in data["results"][2]["reason"]
    assert data["results"][3]["reason"] == "an e-mail address or a phone number is needed"
    first = Visit.objects.get(external_id="V-1")
    assert (first.provider, first.preferred_language) == (provider_a, "es")
    sms = Invitation.objects.get(visit__external_id="V-2")
    assert (sms.channel, sms.contact) == ("sms", "+15550102000")
    # Sent on commit by the same task as the CSV import's.
    assert Invitation.objects.get(visit__external_id="V-1").sent_at is not None


def test_posting_the_same_visits_again_reports_duplicates_and_stores_nothing_new(
    api_client, token_a, eager_tasks, instrument
):
    _, token = token_a
    body = [visit("V-1"), visit("V-2")]
    post_json(api_client, body, token)

    again = post_json(api_client, body, token)

    assert again.status_code == 200
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert Visit.objects.count() == 2
    assert Invitation.objects.count() == 2


def test_a_contact_invited_in_the_last_30_days_gets_a_visit_without_invitation(
    api_client, token_a, eager_tasks, instrument
):
    _, token = token_a
    body = [visit("V-1", email="same@example.com"), visit("V-2", email="SAME@example.com")]

    response = post_json(api_client, body, token)

    second = response.json()["results"][1]
    assert (second["status"], second["invitation"]) == ("created", "not_sent_recent_contact")
    assert second["reason"] == "the contact was invited in the last 30 days"
    assert Visit.objects.count() == 2
    assert Invitation.objects.count() == 1


@pytest.mark.hardening
def test_a_token_of_clinic_a_cannot_add_visits_to_clinic_b_and_nothing_is_stored(
    api_client, token_a, clinic_b
):
    _, token = token_a
    body = [visit("V-1"), visit("V-2", clinic="hillcrest"), visit("V-3", clinic="nowhere")]

    response = post_json(api_client, body, token)

    assert response.status_code == 403
    assert response.json()["items"] == [1, 2]
    assert "nothing was stored" in response.json()["detail"]
    assert Visit.objects.count() == 0


def test_a_token_of_both_clinics_can_add_visits_to_either(api_client, clinic_a, clinic_b):
    _, token = api_token_create(name="Group EHR", clinics=[clinic_a, clinic_b])

    response = post_json(api_client, [visit("V-1"), visit("V-2", clinic="hillcrest")], token)

    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]


@pytest.mark.hardening
@pytest.mark.parametrize(
    "headers",
    [{}, bearer("cpk_not-a-token"), {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"}],
    ids=["no header", "unknown token", "wrong scheme"],
)
def test_calls_without_a_valid_token_get_401_json(api_client, clinic_a, headers):
    response = api_client.post(
        "/api/v1/visits", data=json.dumps([visit()]), content_type="application/json", **headers
    )

    assert response.status_code == 401
    assert response.json() == {"detail": "Missing, unknown or revoked API token."}
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.hardening
def test_a_revoked_token_is_refused(api_client, token_a):
    row, token = token_a
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=row.pk))

    response = post_json(api_client, [visit()], token)

    assert response.status_code == 401
    assert Visit.objects.count() == 0


def test_only_a_hash_of_the_token_is_stored(token_a):
    row, token = token_a
    stored = ApiToken.objects.get(pk=row.pk)
    assert token not in {stored.token_hash, stored.prefix, stored.name}
    assert stored.prefix == token[:12] and len(stored.token_hash) == 64


@pytest.mark.hardening
@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b'[{"visit_external_id": "V-1",', "The body is not valid JSON"),
        (b"\xff\xfe", "The body is not valid JSON"),
        (b'{"visit_external_id": "V-1"}', "The body must be a JSON list of visits."),
        (b"[]", "The list of visits is empty."),
        (b"[" * 100_000 + b"]" * 100_000, "The body is nested too deeply."),
    ],
    ids=["truncated", "not utf-8", "object", "empty", "too deep"],
)
def test_a_malformed_body_gets_400_json(api_client, token_a, raw, detail):
    _, token = token_a

    response = post_json(api_client, raw, token)

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)


def test_items_that_are_not_objects_or_have_unknown_fields_are_rejected_one_by_one(
    api_client, token_a, eager_tasks, instrument
):
    _, token = token_a
    body = ["V-1", visit("V-2", patient_name="Ana"), visit("V-3", phone=5550102000), visit("V-4")]

    results = post_json(api_client, body, token).json()["results"]

    assert [r["status"] for r in results] == ["rejected", "rejected", "rejected", "created"]
    assert results[0]["reason"] == "each visit must be a JSON object"
    assert results[1]["reason"] == "unknown field(s): patient_name"
    assert results[2]["reason"] == "field(s) must be text: phone"


@pytest.mark.hardening
def test_a_body_over_the_size_limit_gets_413_and_nothing_is_stored(api_client, token_a, settings):
    settings.API_MAX_BODY_BYTES = 2048
    _, token = token_a
    body = [visit(f"V-{n}") for n in range(40)]
    assert len(json.dumps(body)) > 2048

    response = post_json(api_client, body, token)

    assert response.status_code == 413
    assert response.json()["detail"].startswith("The body is larger than 2048 bytes")
    assert Visit.objects.count() == 0


@pytest.mark.hardening
def test_more_items_than_allowed_get_413(api_client, token_a, settings):
    settings.API_MAX_ITEMS = 3
    _, token = token_a

    response = post_json(api_client, [visit(f"V-{n}") for n in range(4)], token)

    assert response.status_code == 413
    assert response.json()["detail"] == "4 visits in one call; at most 3 are accepted."
    assert Visit.objects.count() == 0


@pytest.mark.hardening
@pytest.mark.services
def test_calls_over_the_rate_limit_get_429_with_retry_after(api_client, token_a, settings):
    """Counted in the real Redis (REDIS_URL), per token: another token is not affected."""
    settings.API_RATE_LIMIT = 2
    settings.API_RATE_WINDOW_SECONDS = 3600
    cache.clear()
    row, token = token_a
    _, other = api_token_create(name="Other", clinics=list(row.clinics.all()))

    answers = [post_json(api_client, [], token).status_code for _ in range(3)]
    other_answer = post_json(api_client, [], other)

    assert answers == [400, 400, 429]
    assert other_answer.status_code == 400
    limited = post_json(api_client, [], token)
    assert limited.json()["detail"].startswith("Too many calls with this token.")
    assert 1 <= int(limited["Retry-After"]) <= 3600


def test_the_openapi_schema_is_served_and_describes_the_endpoints(api_client):
    response = api_client.get("/api/v1/schema")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/visits", "/api/v1/fhir/QuestionnaireResponse"} <= set(schema["paths"])
    body = schema["paths"]["/api/v1/visits"]["post"]["requestBody"]["content"]
    item = body["application/json"]["schema"]["items"]
    assert item["required"] == ["visit_external_id", "clinic", "occurred_at"]
    assert "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()


def test_a_signed_in_session_cookie_does_not_change_how_the_api_answers(
    api_client, token_a, manager_a, eager_tasks, instrument
):
    """A manager's browser session (with CSRF enforced) neither authenticates nor breaks a call."""
    from tests.conftest import MANAGER_PASSWORD

    api_client.login(username="manager_a", password=MANAGER_PASSWORD)
    anonymous = api_client.post(
        "/api/v1/visits", data=json.dumps([visit()]), content_type="application/json"
    )
    _, token = token_a
    with_token = post_json(api_client, [visit()], token)

    assert anonymous.status_code == 401
    assert with_token.status_code == 200
    assert with_token.json()["created"] == 1


def test_the_api_body_limit_is_its_own_not_the_form_upload_limit(
    api_client, token_a, settings, eager_tasks, instrument
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # forms' limit, smaller than this batch
    _, token = token_a
    body = [visit(f"V-{n}") for n in range(12)]
    assert len(json.dumps(body)) > 1024

    response = post_json(api_client, body, token)

    assert response.status_code == 200
    assert response.json()["created"] == 12


def test_an_admin_session_halfway_through_two_factor_does_not_redirect_api_calls(
    api_client, token_a, admin_user, settings
):
    """The two-factor middleware holds a half-signed-in session at the setup page everywhere,
    except the API, which ignores sessions: its answer is still JSON."""
    from tests.conftest import ADMIN_PASSWORD

    settings.REQUIRE_ADMIN_2FA = True
    api_client.login(username=admin_user.username, password=ADMIN_PASSWORD)
    assert api_client.get("/admin/").status_code == 302  # held at the setup step
    _, token = token_a

    response = post_json(api_client, [], token)

    assert response.status_code == 400
    assert response.json() == {"detail": "The list of visits is empty."}


def test_errors_and_reasons_follow_the_clients_language(api_client, token_a, instrument):
    _, token = token_a

    refused = api_client.post(
        "/api/v1/visits", data="[]", content_type="application/json", HTTP_ACCEPT_LANGUAGE="es"
    )
    results = post_json(api_client, [visit(email=None)], token, HTTP_ACCEPT_LANGUAGE="es")

    assert refused.json()["detail"] == "Token de API ausente, desconocido o revocado."
    assert results.json()["results"][0]["reason"] == (
        "se necesita una dirección de correo electrónico o un número de teléfono"
    )


def test_a_lost_database_answers_a_json_503_with_retry_after(api_client, token_a, monkeypatch):
    from django.db import OperationalError

    import integrations.api

    _, token = token_a

    def database_gone(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(integrations.api, "visits_import", database_gone)

    response = post_json(api_client, [visit()], token)

    assert response.status_code == 503
    assert response.json()["detail"].startswith("The service is briefly unavailable.")
    assert response["Retry-After"] == "60"

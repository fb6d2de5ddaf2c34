"""Admin: API tokens created (shown once, stored hashed) and revoked; webhook endpoints with a
secret shown once and HTTPS only; the delivery log read-only; none of it for managers."""

import re

import pytest

from integrations.models import ApiToken, WebhookDelivery, WebhookEndpoint
from integrations.services import api_token_authenticate, api_token_hash
from tests.conftest import ADMIN_PASSWORD, MANAGER_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.login(username="admin", password=ADMIN_PASSWORD)
    return client


def test_an_admin_creates_a_token_shown_once_and_stored_only_hashed(admin_client, clinic_a):
    response = admin_client.post(
        "/admin/integrations/apitoken/add/",
        {"name": "Riverside EHR", "clinics": [clinic_a.pk]},
        follow=True,
    )

    messages = " ".join(m.message for m in response.context["messages"])
    token = re.search(r"cpk_[A-Za-z0-9_-]+", messages).group(0)
    stored = ApiToken.objects.get()
    assert stored.token_hash == api_token_hash(token)
    assert list(stored.clinics.all()) == [clinic_a]
    assert api_token_authenticate(token) == stored
    page = admin_client.get(f"/admin/integrations/apitoken/{stored.pk}/change/")
    assert token not in page.content.decode()


def test_an_admin_revokes_a_token_and_it_stops_working(admin_client, token_a):
    row, token = token_a

    admin_client.post(
        "/admin/integrations/apitoken/",
        {"action": "revoke", "_selected_action": [row.pk]},
    )

    row.refresh_from_db()
    assert row.revoked_at is not None
    assert api_token_authenticate(token) is None


def test_a_webhook_endpoint_needs_https_and_its_secret_is_shown_once(
    admin_client, clinic_a, settings
):
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = False
    refused = admin_client.post(
        "/admin/integrations/webhookendpoint/add/",
        {"clinic": clinic_a.pk, "url": "http://ehr.example.org/hook", "is_active": "on"},
    )
    assert refused.status_code == 200
    assert "must start with https://" in refused.content.decode()
    assert WebhookEndpoint.objects.count() == 0

    created = admin_client.post(
        "/admin/integrations/webhookendpoint/add/",
        {"clinic": clinic_a.pk, "url": "https://ehr.example.org/hook", "is_active": "on"},
        follow=True,
    )

    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) == 64
    messages = [m.message for m in created.context["messages"]]
    assert any(endpoint.secret in m for m in messages)
    page = admin_client.get(f"/admin/integrations/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()


def test_the_delivery_log_is_read_only(admin_client, clinic_a):
    endpoint = WebhookEndpoint.objects.create(
        clinic=clinic_a, url="https://ehr.example.org/hook", secret="x" * 64
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="follow_up.opened", body="{}"
    )

    listing = admin_client.get("/admin/integrations/webhookdelivery/")
    page = admin_client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    edit = admin_client.post(
        f"/admin/integrations/webhookdelivery/{delivery.pk}/change/", {"status": "delivered"}
    )

    assert listing.status_code == 200 and page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert edit.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "pending"


def test_a_clinic_manager_cannot_reach_tokens_or_webhooks(client, manager_a):
    client.login(username="manager_a", password=MANAGER_PASSWORD)

    for path in (
        "/admin/integrations/apitoken/",
        "/admin/integrations/webhookendpoint/",
        "/admin/integrations/webhookdelivery/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

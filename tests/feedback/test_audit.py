"""Audit events are stored with their actor and are read-only in the admin."""

from django.contrib.auth.models import AnonymousUser

from feedback.audit import audit_record
from feedback.models import AuditEvent


def test_audit_record_keeps_actor_action_and_details(admin_user, clinic_a):
    event = audit_record(
        actor=admin_user,
        action=AuditEvent.Action.EXPORT,
        clinic=clinic_a,
        target="export:1",
        details={"rows": 12},
    )
    event.refresh_from_db()
    assert (event.actor, event.action, event.clinic, event.details) == (
        admin_user,
        "export",
        clinic_a,
        {"rows": 12},
    )


def test_anonymous_actor_is_stored_as_none(db):
    event = audit_record(actor=AnonymousUser(), action=AuditEvent.Action.TESTIMONIAL_WITHDRAW)
    assert event.actor is None


def test_audit_log_is_readable_but_not_changeable_in_the_admin(client, admin_user, clinic_a):
    event = audit_record(actor=admin_user, action=AuditEvent.Action.EXPORT, target="export:7")
    client.force_login(admin_user)
    assert client.get("/admin/feedback/auditevent/").status_code == 200
    page = client.get(f"/admin/feedback/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="target"' not in page.content.decode()  # shown read-only, not as an input
    assert client.post(f"/admin/feedback/auditevent/{event.pk}/delete/").status_code == 403
    assert client.get("/admin/feedback/auditevent/add/").status_code == 403


def test_sign_in_rows_show_username_and_address_in_the_admin_read_only(client, admin_user):
    event = audit_record(
        actor=None,
        action=AuditEvent.Action.SIGN_IN_LOCKOUT,
        username="manager",
        client_address="203.0.113.9",
    )
    client.force_login(admin_user)
    listing = client.get("/admin/feedback/auditevent/?q=203.0.113.9").content.decode()
    assert "Sign-in locked out" in listing and "203.0.113.9" in listing
    assert "manager" in listing
    page = client.get(f"/admin/feedback/auditevent/{event.pk}/change/").content.decode()
    assert "203.0.113.9" in page
    for field in ("username", "client_address", "action"):
        assert f'name="{field}"' not in page  # shown, not editable
    client.post(
        f"/admin/feedback/auditevent/{event.pk}/change/",
        {"username": "someone-else", "client_address": "10.0.0.1"},
    )
    event.refresh_from_db()
    assert (event.username, event.client_address) == ("manager", "203.0.113.9")

"""Audit events are stored with their actor and are read-only in the admin."""

from django.contrib.auth.models import AnonymousUser

from feedback.audit import audit_record
from feedback.models import AuditEvent


def test_audit_record_keeps_actor_action_and_details(admin_user, clinic_a):
    event = audit_record(actor=admin_user, action=AuditEvent.Action.EXPORT, clinic=clinic_a,
                         target="export:1", details={"rows": 12})
    event.refresh_from_db()
    assert (event.actor, event.action, event.clinic, event.details) == (
        admin_user, "export", clinic_a, {"rows": 12})


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

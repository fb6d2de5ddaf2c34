"""Recording audit events: one function, called by every export, moderation and sign-in service."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from feedback.models import AuditEvent, Clinic

USERNAME_MAX = AuditEvent._meta.get_field("username").max_length
ADDRESS_MAX = AuditEvent._meta.get_field("client_address").max_length


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    clinic: Clinic | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
    username: str = "",
    client_address: str = "",
) -> AuditEvent:
    """Store an audit event inside the caller's transaction, so the action and its record
    commit together or not at all. A username or address too long for its column is cut (an
    attacker's 10,000-character username must not turn a refusal into a 500)."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        clinic=clinic,
        target=target,
        details=details or {},
        username=username[:USERNAME_MAX],
        client_address=client_address[:ADDRESS_MAX],
    )

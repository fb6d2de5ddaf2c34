"""Recording audit events: one function, called by every export and moderation service."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from feedback.models import AuditEvent, Clinic


def audit_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    clinic: Clinic | None = None,
    target: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Store an audit event inside the caller's transaction, so the action and its record
    commit together or not at all."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        clinic=clinic,
        target=target,
        details=details or {},
    )

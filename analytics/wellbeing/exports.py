"""The audit record of the round aggregates export (as every other export leaves one)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic


def round_export_audit(
    *, actor: AbstractBaseUser, clinic: Clinic, rows: int, file: str
) -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        clinic=clinic,
        target="export:pulse_rounds",
        details={"kind": "pulse_rounds", "clinic_ids": [clinic.pk], "rows": rows, "file": file},
    )

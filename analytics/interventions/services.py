"""Recording, editing and deleting interventions: every change checked and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from analytics.interventions.models import Intervention
from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic, Provider


def _providers_checked(clinic: Clinic, providers: Iterable[Provider]) -> list[Provider]:
    """The providers, all of ``clinic`` (an intervention cannot cover another clinic's staff)."""
    providers = list(providers)
    if any(provider.clinic_id != clinic.pk for provider in providers):
        raise ValidationError(
            {"providers": _("Choose only providers of the intervention's clinic.")}
        )
    return providers


def _dates_checked(start_date: dt.date, end_date: dt.date | None) -> None:
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": _("The end date must be on or after the start date.")})


def _audit_details(intervention: Intervention) -> dict:
    return {
        "title": intervention.title,
        "kind": intervention.kind,
        "start_date": intervention.start_date.isoformat(),
        "end_date": intervention.end_date.isoformat() if intervention.end_date else None,
        "providers": sorted(p.pk for p in intervention.providers.all()),
    }


@transaction.atomic
def intervention_create(
    *,
    actor: AbstractBaseUser,
    clinic: Clinic,
    title: str,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    providers: Iterable[Provider] = (),
    note: str = "",
) -> Intervention:
    """Record an intervention (the caller has checked the actor may manage ``clinic``)."""
    providers = _providers_checked(clinic, providers)
    _dates_checked(start_date, end_date)
    intervention = Intervention.objects.create(
        clinic=clinic,
        title=title,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        note=note,
        created_by=actor,
    )
    intervention.providers.set(providers)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.INTERVENTION_CREATE,
        clinic=clinic,
        target=f"intervention:{intervention.pk}",
        details=_audit_details(intervention),
    )
    return intervention


@transaction.atomic
def intervention_update(
    *,
    actor: AbstractBaseUser,
    intervention: Intervention,
    title: str,
    kind: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    providers: Iterable[Provider] = (),
    note: str = "",
) -> Intervention:
    """Change an intervention's details; its clinic stays (delete and record anew to move it).
    The audit row keeps the details before and after."""
    providers = _providers_checked(intervention.clinic, providers)
    _dates_checked(start_date, end_date)
    # From the database: a model form has already copied the new values onto the instance.
    before = _audit_details(Intervention.objects.get(pk=intervention.pk))
    intervention.title, intervention.kind, intervention.note = title, kind, note
    intervention.start_date, intervention.end_date = start_date, end_date
    intervention.save(update_fields=["title", "kind", "note", "start_date", "end_date"])
    intervention.providers.set(providers)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.INTERVENTION_EDIT,
        clinic=intervention.clinic,
        target=f"intervention:{intervention.pk}",
        details={"before": before, "after": _audit_details(intervention)},
    )
    return intervention


@transaction.atomic
def intervention_delete(*, actor: AbstractBaseUser, intervention: Intervention) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.INTERVENTION_DELETE,
        clinic=intervention.clinic,
        target=f"intervention:{intervention.pk}",
        details=_audit_details(intervention),
    )
    intervention.delete()

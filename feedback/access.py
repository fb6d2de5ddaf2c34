"""The one place that decides which clinics a signed-in person may see.

Admins (superusers) see every clinic; a manager sees the clinics of their memberships. Every view
that shows or changes a clinic's data goes through these functions, so "managers see only their
clinics" lives here and nowhere else. Refusals are 404s: they reveal nothing about other clinics.
An object that exists in a clinic the user may not see is also audited as refused access (with
user, time and client address), so probing for other clinics' data leaves a trace.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest

from feedback.audit import audit_record
from feedback.models import AuditEvent, Clinic
from feedback.ratelimit import client_address


def clinics_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Clinic]:
    if not user.is_authenticated or not user.is_active:
        return Clinic.objects.none()
    if user.is_superuser:
        return Clinic.objects.all()
    return Clinic.objects.filter(memberships__user=user).distinct()


def clinic_for_user(
    user: AbstractBaseUser | AnonymousUser,
    clinic_id: int | str,
    *,
    request: HttpRequest | None = None,
) -> Clinic:
    """The clinic if this user may see it, else 404 (the same answer as for a missing clinic).

    Pass the request so a refusal is audited with the client's address.
    """
    try:
        return clinics_for_user(user).get(pk=int(clinic_id))
    except (Clinic.DoesNotExist, ValueError, TypeError):
        clinic = Clinic.objects.filter(pk=_int_or_none(clinic_id)).first()
        if clinic is not None:
            _access_refused_record(
                user=user, request=request, clinic=clinic, target=f"clinic:{clinic.pk}"
            )
        raise Http404("No such clinic.") from None


def object_for_user[M: Model](
    request: HttpRequest, objects: QuerySet[M], *, pk: int | str, clinic_path: str, kind: str
) -> M:
    """The object with this pk if it belongs to one of the user's clinics, else 404.

    ``clinic_path`` leads from the object to its clinic ("clinic", "response__clinic");
    ``kind`` names the object in the audit target ("testimonial:42") and the 404.
    """
    clinics = clinics_for_user(request.user)
    try:
        return objects.get(pk=pk, **{f"{clinic_path}__in": clinics})
    except (objects.model.DoesNotExist, ValueError, TypeError):
        pass
    clinic_id = (
        objects.model._default_manager.filter(pk=_int_or_none(pk))
        .values_list(clinic_path, flat=True)
        .first()
    )
    if clinic_id is not None:
        _access_refused_record(
            user=request.user,
            request=request,
            clinic=Clinic.objects.filter(pk=clinic_id).first(),
            target=f"{kind}:{pk}",
        )
    raise Http404(f"No such {kind}.")


def _int_or_none(value: int | str) -> int | None:
    try:
        return int(value)
    except (ValueError, TypeError):
        return None


def _access_refused_record(
    *,
    user: AbstractBaseUser | AnonymousUser,
    request: HttpRequest | None,
    clinic: Clinic | None,
    target: str,
) -> None:
    audit_record(
        actor=user,
        action=AuditEvent.Action.ACCESS_REFUSED,
        clinic=clinic,
        target=target,
        username=user.get_username().lower() if user.is_authenticated else "",
        client_address=client_address(request) if request is not None else "",
        details={"path": request.path[:200]} if request is not None else {},
    )

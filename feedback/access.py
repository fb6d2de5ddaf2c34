"""The one place that decides which clinics a signed-in person may see.

Admins (superusers) see every clinic; a manager sees the clinics of their memberships. Every view
that shows or changes a clinic's data goes through these functions, so "managers see only their
clinics" lives here and nowhere else. Refusals are 404s: they reveal nothing about other clinics.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from feedback.models import Clinic


def clinics_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Clinic]:
    if not user.is_authenticated or not user.is_active:
        return Clinic.objects.none()
    if user.is_superuser:
        return Clinic.objects.all()
    return Clinic.objects.filter(memberships__user=user).distinct()


def clinic_for_user(user: AbstractBaseUser | AnonymousUser, clinic_id: int | str) -> Clinic:
    """The clinic if this user may see it, else 404 (the same answer as for a missing clinic)."""
    try:
        return clinics_for_user(user).get(pk=int(clinic_id))
    except (Clinic.DoesNotExist, ValueError, TypeError):
        raise Http404("No such clinic.") from None

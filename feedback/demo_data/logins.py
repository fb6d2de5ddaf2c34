"""The demo's admin and manager accounts, with fixed passwords that seed_demo prints."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from feedback.models import Clinic, ClinicMembership

# Fixed demo passwords, printed by seed_demo; only ever set by that command.
DEMO_LOGINS = (("admin", "demo-admin-2026", True), ("manager", "demo-manager-2026", False))


def demo_users_ensure(*, manager_clinic: Clinic) -> list[tuple[str, str, str]]:
    """The demo admin and manager as (username, password, access); existing users are kept."""
    logins = []
    for username, password, superuser in DEMO_LOGINS:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@example.org",
                "is_staff": superuser,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        if not superuser:
            ClinicMembership.objects.get_or_create(user=user, clinic=manager_clinic)
        shown = password if created else "(existing user, unchanged)"
        logins.append((username, shown, _access(superuser, manager_clinic.name)))
    return logins


def demo_logins_still_valid() -> list[tuple[str, str, str]]:
    """The demo logins whose fixed password still works, to remind whoever runs the demo again."""
    users = {
        u.username: u
        for u in get_user_model()
        .objects.filter(is_active=True)
        .filter(username__in=[username for username, _, _ in DEMO_LOGINS])
    }
    logins = []
    for username, password, superuser in DEMO_LOGINS:
        user = users.get(username)
        if user is None or not user.check_password(password):
            continue
        clinics = Clinic.objects.filter(memberships__user=user).values_list("name", flat=True)
        logins.append((username, password, _access(superuser, ", ".join(clinics))))
    return logins


def _access(superuser: bool, clinic_names: str) -> str:
    return "admin: every clinic" if superuser else f"manager: {clinic_names} only"

"""Shared test people and places, and the rule that CI never skips a missing service."""

import os
import socket
from urllib.parse import urlparse

import pytest


def pytest_configure(config):
    """A second alias on the test database, "replica" (as DATABASE_REPLICA_URL would add), so a
    test can prove which reads go to a replica; nothing is routed to it unless a test installs
    the router (tests/analytics/test_read_replica.py)."""
    from django.conf import settings

    if "replica" not in settings.DATABASES:
        settings.DATABASES["replica"] = {
            **settings.DATABASES["default"],
            "TEST": {"MIRROR": "default"},
        }


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def services_missing() -> str:
    """Why the real PostgreSQL/Redis cannot be used, or "" when both are there."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point at PostgreSQL"
    if not redis_url:
        return "REDIS_URL is not set"
    if not _reachable(database_url, 5432):
        return f"PostgreSQL at {database_url} is not reachable"
    if not _reachable(redis_url, 6379):
        return f"Redis at {redis_url} is not reachable"
    return ""


def pytest_sessionstart(session):
    if os.environ.get("CI") == "true" and (why := services_missing()):
        pytest.exit(f"CI needs the real services: {why}", returncode=1)


def pytest_collection_modifyitems(config, items):
    why = services_missing()
    if not why:
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL and Redis: {why}")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def instrument(db):
    from feedback.services import instrument_current, instruments_load_shipped

    instruments_load_shipped()
    return instrument_current()


@pytest.fixture
def clinic_a(db):
    from feedback.models import Clinic

    return Clinic.objects.create(
        name="Riverside Family Clinic", slug="riverside", timezone="America/New_York"
    )


@pytest.fixture
def clinic_b(db):
    from feedback.models import Clinic

    return Clinic.objects.create(
        name="Hillcrest Health Centre", slug="hillcrest", timezone="Europe/Madrid"
    )


@pytest.fixture
def provider_a(clinic_a):
    from feedback.models import Provider

    return Provider.objects.create(clinic=clinic_a, display_name="Dr. Ana Ortiz", external_id="P-1")


@pytest.fixture
def full_answers(instrument):
    """A complete, valid set of answers: 4 on every 1-5 item, 9 on likelihood to recommend."""
    from feedback.services import instrument_definition

    definition = instrument_definition(instrument)
    return {item.id: (9 if item.scale.max == 10 else 4) for item in definition.items}


# The shared people: a manager of clinic A, a manager of clinic B, and an admin.
MANAGER_PASSWORD = "pw-manager-123456"
ADMIN_PASSWORD = "pw-admin-123456"


def manager_of(*clinics, username: str):
    """A non-staff user who manages exactly these clinics."""
    from django.contrib.auth.models import User

    from feedback.models import ClinicMembership

    user = User.objects.create_user(username, password=MANAGER_PASSWORD)
    for clinic in clinics:
        ClinicMembership.objects.create(user=user, clinic=clinic)
    return user


@pytest.fixture
def manager_a(clinic_a):
    return manager_of(clinic_a, username="manager_a")


@pytest.fixture
def manager_b(clinic_b):
    return manager_of(clinic_b, username="manager_b")


@pytest.fixture
def admin_user(db):
    from django.contrib.auth.models import User

    return User.objects.create_superuser("admin", password=ADMIN_PASSWORD)


@pytest.fixture(autouse=True)
def _coalescing_windows_forget():
    """Each test starts with no coalescing window remembered by the process (tests clear and
    flush the cache the window lives in)."""
    from compassion_portal.celery import coalesce_windows_forget

    coalesce_windows_forget()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language: a request in Spanish leaves Spanish active in
    the thread (LocaleMiddleware does not reset it), and chart text follows the active one."""
    from django.utils import translation

    yield
    translation.deactivate()

"""One list of languages (settings.LANGUAGES): models, filters and imports follow it."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from feedback.models import CommentAnalysis, Invitation, Response, Visit
from feedback.visit_import import visit_file_import

LANGUAGE_FIELDS = [
    (Visit, "preferred_language"),
    (Invitation, "language"),
    (Response, "language"),
    (CommentAnalysis, "language"),
]
WITH_PORTUGUESE = [*settings.LANGUAGES, ("pt-br", "Português do Brasil")]


@pytest.mark.django_db
def test_adding_a_language_to_settings_needs_no_migration_and_the_models_accept_it():
    with override_settings(LANGUAGES=WITH_PORTUGUESE):
        for model, name in LANGUAGE_FIELDS:
            field = model._meta.get_field(name)
            assert ("pt-br", "Português do Brasil") in field.choices, f"{model.__name__}.{name}"
            field.clean("pt-br", None)  # no ValidationError: a valid choice
        # Exits 1 (SystemExit) when a model change is not in a migration yet.
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_language_code_fits_the_language_columns():
    for model, name in LANGUAGE_FIELDS:
        field = model._meta.get_field(name)
        assert field.check() == [], f"{model.__name__}.{name}"
        assert max(len(code) for code, _name in settings.LANGUAGES) <= field.max_length


@pytest.mark.django_db
def test_visit_import_accepts_every_listed_language_and_names_them_for_an_unknown_one(clinic_a):
    header = "visit_id,clinic,provider_id,occurred_at,visit_type,language,channel,contact"
    raw = "\n".join(
        [
            header,
            "V-1,riverside,,2026-11-19T10:00,routine,ar,qr,",
            "V-2,riverside,,2026-11-19T10:00,routine,fr,qr,",
        ]
    ).encode()

    summary = visit_file_import(raw=raw, now=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))

    assert Visit.objects.get(external_id="V-1").preferred_language == "ar"
    assert dict(summary.errors)[3] == "unknown language 'fr' (use one of en, es, ar)"


@pytest.mark.django_db
def test_a_browser_asking_for_arabic_gets_patient_pages_in_arabic_and_staff_pages_in_english(
    client,
):
    withdraw = client.get("/withdraw/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").content.decode()
    assert '<html lang="ar" dir="rtl">' in withdraw
    assert "bootstrap.rtl.min.css" in withdraw

    login = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").content.decode()
    assert '<html lang="en" dir="ltr">' in login
    assert "bootstrap.rtl.min.css" not in login
    spanish = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="es" dir="ltr">' in spanish

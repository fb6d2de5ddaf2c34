"""The migration that dates every sent invitation on its clinic's local day, on both databases."""

import datetime as dt
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from feedback.models import Clinic, Invitation, Visit

migration = importlib.import_module("feedback.migrations.0006_invitation_sent_local_date")


def test_existing_invitations_get_the_local_day_they_were_sent(clinic_a):
    tokyo = Clinic.objects.create(name="Tokyo Clinic", slug="tokyo", timezone="Asia/Tokyo")
    # 03:00 UTC on 2 March: 1 March in New York, 2 March in Tokyo.
    sent = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    for number, clinic, sent_at in ((1, clinic_a, sent), (2, tokyo, sent), (3, tokyo, None)):
        visit = Visit.objects.create(clinic=clinic, external_id=f"V{number}", occurred_at=sent)
        Invitation.objects.create(
            visit=visit,
            channel="email",
            token_salt=f"s{number}",
            token_hash=f"h{number}",
            expires_at=sent + dt.timedelta(days=30),
            sent_at=sent_at,
        )

    # What the function uses of a schema editor; SQLite's own cannot open inside a test's
    # transaction.
    editor = SimpleNamespace(
        connection=connection, execute=lambda sql: connection.cursor().execute(sql)
    )
    migration.sent_local_dates_fill(apps, editor)

    assert dict(Invitation.objects.values_list("visit__external_id", "sent_local_date")) == {
        "V1": dt.date(2026, 3, 1),
        "V2": dt.date(2026, 3, 2),
        "V3": None,
    }

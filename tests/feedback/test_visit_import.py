"""Visit CSV import: bad rows by line number, good rows kept, no duplicates, file-level errors."""

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compassion_portal.celery import app as celery_app
from feedback.models import Invitation, Visit
from feedback.visit_import import VisitFileInvalid, visit_file_import

HEADER = "visit_id,clinic,provider_id,occurred_at,visit_type,language,channel,contact"
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.INVITATION_MIN_DAYS_BETWEEN = 30


@pytest.fixture
def eager_tasks():
    """Run on-commit tasks in-process even when REDIS_URL points at a real broker."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_bad_rows_are_reported_by_line_number_and_good_rows_are_kept(clinic_a, provider_a):
    raw = _csv(
        "V-1,riverside,P-1,2026-11-19T10:00,routine,en,email,one@example.com",  # line 2
        "V-2,nowhere,,2026-11-19T10:00,routine,en,email,two@example.com",  # 3
        "V-3,riverside,,19/11/2026,routine,en,email,three@example.com",  # 4
        "V-4,riverside,,2026-11-19T10:00,routine,en,email,not-an-address",  # 5
        "V-5,riverside,,2026-11-19T10:00,house_call,en,email,five@example.com",  # 6
        "V-6,riverside,,2026-11-19T11:00,follow_up,es,sms,+1 555 010 2000",  # 7
        "V-7,riverside,P-404,2026-11-19T10:00,routine,en,email,seven@example.com",  # 8
        "V-8,riverside,,2026-11-19T10:00,routine,en,fax,8@example.com",  # 9
    )

    summary = visit_file_import(raw=raw, now=NOW)

    errors = dict(summary.errors)
    assert sorted(errors) == [3, 4, 5, 6, 8, 9]
    assert "unknown clinic 'nowhere'" in errors[3]
    assert "bad date '19/11/2026'" in errors[4]
    assert "not a valid e-mail address" in errors[5]
    assert "unknown visit type 'house_call'" in errors[6]
    assert "unknown provider_id 'P-404'" in errors[8]
    assert "unknown channel 'fax'" in errors[9]
    assert (summary.rows, summary.created) == (8, 2)
    assert set(Visit.objects.values_list("external_id", flat=True)) == {"V-1", "V-6"}
    first = Visit.objects.get(external_id="V-1")
    assert first.provider == provider_a
    sms = Invitation.objects.get(visit__external_id="V-6")
    assert (sms.channel, sms.language, sms.contact) == ("sms", "es", "+15550102000")


def test_reimporting_the_same_file_creates_no_duplicates(clinic_a):
    raw = _csv(
        "V-1,riverside,,2026-11-19T10:00,routine,en,email,one@example.com",
        "V-2,riverside,,2026-11-19T11:00,routine,en,sms,+15550102000",
        "V-3,riverside,,2026-11-19T12:00,routine,en,qr,",
    )
    first = visit_file_import(raw=raw, now=NOW)

    again = visit_file_import(raw=raw, now=NOW + dt.timedelta(hours=1))

    assert (first.created, first.already_present) == (3, 0)
    assert (again.created, again.already_present, again.errors) == (0, 3, [])
    assert Visit.objects.count() == 3
    assert Invitation.objects.count() == 3


def test_contact_invited_recently_gets_a_visit_but_no_second_invitation(clinic_a, clinic_b):
    raw = _csv(
        "V-1,riverside,,2026-11-19T10:00,routine,en,email,pat@example.com",
        "H-9,hillcrest,,2026-11-19T12:00,routine,es,email,PAT@example.com",
    )

    summary = visit_file_import(raw=raw, now=NOW)

    assert (summary.created, summary.skipped_recent) == (1, 1)
    assert Visit.objects.count() == 2
    assert list(Invitation.objects.values_list("visit__external_id", flat=True)) == ["V-1"]


def test_times_without_an_offset_are_the_clinics_local_time(clinic_a):
    raw = _csv(
        "V-1,riverside,,2026-01-15T09:00,routine,en,qr,",
        "V-2,riverside,,2026-01-15T09:00:00+01:00,routine,en,qr,",
        "V-3,riverside,,2026-01-15T09:00Z,routine,en,qr,",
    )

    visit_file_import(raw=raw, now=NOW)

    times = dict(Visit.objects.values_list("external_id", "occurred_at"))
    assert times["V-1"] == dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)  # New York, UTC-5
    assert times["V-2"] == dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)
    assert times["V-3"] == dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def test_visit_in_the_future_is_a_bad_row(clinic_a):
    summary = visit_file_import(raw=_csv("V-1,riverside,,2026-12-25T10:00,routine,en,qr,"), now=NOW)

    assert summary.errors == [(2, "occurred_at '2026-12-25T10:00' is in the future")]


def test_row_with_the_wrong_number_of_values_is_reported_and_the_rest_imported(clinic_a):
    raw = _csv(
        "V-1,riverside,,2026-11-19T10:00,routine,en",
        "V-2,riverside,,2026-11-19T10:00,routine,en,qr,",
    )

    summary = visit_file_import(raw=raw, now=NOW)

    assert summary.errors == [(2, "has 6 values, the header has 8")]
    assert summary.created == 1


def test_header_without_optional_columns_uses_the_defaults(clinic_a):
    raw = _csv(
        "V-1,riverside,2026-11-19T10:00,qr,", header="visit_id,clinic,occurred_at,channel,contact"
    )

    assert visit_file_import(raw=raw, now=NOW).created == 1
    visit = Visit.objects.get()
    assert (visit.visit_type, visit.preferred_language, visit.provider) == ("routine", "en", None)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "visit_id,clinic,provider_id,ocurred_at,visit_type,language,channel,contact",
            "missing column(s): occurred_at; unknown column(s): ocurred_at",
        ),
        ("visit_id;clinic;occurred_at;channel;contact", "separated by commas"),
        ("visit_id,clinic,clinic,occurred_at,channel,contact", "repeated column(s): clinic"),
    ],
)
def test_wrong_header_is_refused_before_anything_is_written(clinic_a, header, reason):
    raw = _csv("V-1,riverside,,2026-11-19T10:00,routine,en,qr,", header=header)

    with pytest.raises(VisitFileInvalid, match="Wrong header") as refused:
        visit_file_import(raw=raw, now=NOW)

    assert reason in str(refused.value)
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("raw", [b"", b"\n\n", b"\xef\xbb\xbf", b"  \r\n"])
def test_empty_file_is_refused(db, raw):
    with pytest.raises(VisitFileInvalid, match="empty"):
        visit_file_import(raw=raw, now=NOW)


def test_file_that_is_not_utf8_is_refused_naming_the_line(clinic_a):
    raw = _csv(
        "V-1,riverside,,2026-11-19T10:00,routine,en,qr,",
        "V-2,riverside,,2026-11-19T10:00,routine,es,email,peña@example.com",
    )
    raw = raw.decode().encode("latin-1")

    with pytest.raises(VisitFileInvalid, match="not UTF-8.*line 3"):
        visit_file_import(raw=raw, now=NOW)
    assert Visit.objects.count() == 0


def test_byte_order_mark_and_windows_line_endings_are_accepted(clinic_a):
    raw = b"\xef\xbb\xbf" + _csv("V-1,riverside,,2026-11-19T10:00,routine,en,qr,").replace(
        b"\n", b"\r\n"
    )

    summary = visit_file_import(raw=raw, now=NOW)

    assert (summary.created, summary.errors) == (1, [])


def test_imported_invitation_is_emailed_after_its_row_commits(
    clinic_a, mailoutbox, eager_tasks, django_capture_on_commit_callbacks
):
    raw = _csv("V-1,riverside,,2026-11-19T10:00,routine,en,email,pat@example.com")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        visit_file_import(raw=raw)
        assert mailoutbox == []
    for callback in callbacks:
        callback()

    assert len(callbacks) == 1
    [message] = mailoutbox
    assert message.to == ["pat@example.com"]
    assert Invitation.objects.get().sent_at is not None


def test_command_prints_bad_lines_and_a_summary_and_fails(clinic_a, tmp_path, capsys):
    path = tmp_path / "visits.csv"
    path.write_bytes(
        _csv(
            "V-1,riverside,,2026-11-19T10:00,routine,en,qr,",
            "V-2,nowhere,,2026-11-19T10:00,routine,en,qr,",
        )
    )

    with pytest.raises(CommandError, match="1 rows were skipped"):
        call_command("import_visits", str(path))

    out, err = capsys.readouterr()
    assert "line 3: unknown clinic 'nowhere'" in err
    assert "2 rows: 1 visits created" in out
    assert Visit.objects.count() == 1


def test_command_succeeds_quietly_on_a_clean_reimport(clinic_a, tmp_path, capsys):
    path = tmp_path / "visits.csv"
    path.write_bytes(_csv("V-1,riverside,,2026-11-19T10:00,routine,en,qr,"))
    call_command("import_visits", str(path))

    call_command("import_visits", str(path))

    out, err = capsys.readouterr()
    assert "1 already present" in out
    assert Visit.objects.count() == 1


def test_command_exits_non_zero_for_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(
        _csv("V-1,riverside,,2026-11-19T10:00,routine,es,email,peña@example.com")
        .decode()
        .encode("cp1252")
    )
    manage = Path(__file__).resolve().parents[2] / "manage.py"

    result = subprocess.run(
        [sys.executable, str(manage), "import_visits", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert "is not UTF-8 text" in result.stderr

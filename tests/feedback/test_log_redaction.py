"""Invitation tokens never reach a log line: Django's request log and gunicorn's access log."""

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from feedback.log_redaction import InvitationTokenFilter

pytestmark = pytest.mark.hardening
TOKEN = "Zq3xTokenThatMustNotBeLogged9"


def _record(msg, args) -> logging.LogRecord:
    return logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, msg, args, None)


@pytest.fixture
def console_log():
    """What the console handler configured by settings.LOGGING writes, as a string buffer."""
    [console] = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    yield buffer
    console.setStream(previous)


def test_django_request_log_of_an_unknown_invitation_link_hides_the_token(client, db, console_log):
    response = client.get(f"/s/{TOKEN}/")

    assert response.status_code == 404
    logged = console_log.getvalue()
    assert "Not Found: /s/[token]/" in logged
    assert TOKEN not in logged


def test_a_gunicorn_access_record_is_redacted_in_its_atoms():
    atoms = {"r": f"GET /s/{TOKEN}/?lang=es HTTP/1.1", "U": f"/s/{TOKEN}/", "s": "200"}
    record = _record('%(h)s "%(r)s" %(s)s', atoms)

    assert InvitationTokenFilter().filter(record) is True
    assert record.args == {"r": "GET /s/[token]/?lang=es HTTP/1.1", "U": "/s/[token]/", "s": "200"}


def test_other_paths_are_logged_as_they_are():
    record = _record("Not Found: %s", ("/c/riverside/stories/",))

    InvitationTokenFilter().filter(record)

    assert record.getMessage() == "Not Found: /c/riverside/stories/"


def test_the_web_containers_gunicorn_config_loads_with_the_filter():
    root = Path(__file__).resolve().parents[2]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [
            str(gunicorn),
            "--check-config",
            "-c",
            "docker/gunicorn.conf.py",
            "compassion_portal.wsgi:application",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr

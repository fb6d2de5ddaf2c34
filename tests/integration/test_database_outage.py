"""PostgreSQL restarted under a running portal: patients get "try again in a minute" (503),
nothing is half-stored, and the same server process recovers once the database is back.

The database is one this test starts itself (initdb + pg_ctl in a temporary folder, on a free
loopback port), never the machine's shared PostgreSQL; the portal runs under gunicorn as in
production, with one worker so that every request goes through the same process.
"""

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import psycopg2
import pytest

pytestmark = [pytest.mark.services, pytest.mark.hardening]

PROJECT = Path(__file__).resolve().parents[2]
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
INSTRUMENT = PROJECT / "feedback" / "instruments" / "compassionate-care.v1.json"
CLINIC = "outage-clinic"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnPostgres:
    """A throw-away PostgreSQL cluster. PostgreSQL refuses to run as root: as root, its
    commands run as the ``postgres`` OS user, who owns the temporary folder."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="cp-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{command[0]} failed: {done.stdout}{done.stderr}"

    def init(self) -> None:
        self._run(
            str(POSTGRES_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self._run(
            str(POSTGRES_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self) -> None:
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, database: str, sql: str):
        connection = psycopg2.connect(self.url(database))
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        finally:
            connection.close()


@pytest.fixture
def own_postgres():
    if not (POSTGRES_BIN / "pg_ctl").exists():
        pytest.fail(f"PostgreSQL server binaries are not in {POSTGRES_BIN}")
    server = OwnPostgres()
    try:
        server.init()
        server.start()
        connection = psycopg2.connect(server.url("postgres"))
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE portal")
        connection.close()
        yield server
    finally:
        server.remove()


@pytest.fixture
def portal(own_postgres, tmp_path):
    """The portal under gunicorn on that database: migrated, survey loaded, one kiosk clinic.
    No REDIS_URL: the cache is per process and follow-up tasks run in-process."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=own_postgres.url("portal"),
        DEBUG="false",
        SECRET_KEY="outage-test-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="console:",
        MEDIA_ROOT=str(tmp_path / "media"),
        EXPORT_ROOT=str(tmp_path / "exports"),
        PYTHONUNBUFFERED="1",
    )
    setup = (
        "from django.core.management import call_command; "
        "call_command('migrate', verbosity=0); call_command('load_instruments'); "
        "from feedback.models import Clinic; "
        f"Clinic.objects.create(name='Outage Clinic', slug='{CLINIC}', timezone='UTC')"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", setup],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "compassion_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while _status(port, "GET", f"/c/{CLINIC}/") != 200:
            assert server.poll() is None, _tail(log)
            assert time.monotonic() < deadline, "the portal did not start: " + _tail(log)
            time.sleep(0.2)
        yield Kiosk(port, log)
    finally:
        server.terminate()
        server.wait(15)
        log.close()


def _status(port: int, method: str, path: str) -> int | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(method, path)
        return connection.getresponse().status
    except OSError:
        return None


def _log_text(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


def _tail(log) -> str:
    return _log_text(log)[-3000:]


class Kiosk:
    """A patient at the clinic's kiosk: takes the form once (CSRF cookie and token), then posts
    complete answers, as a browser would, without following redirects."""

    def __init__(self, port: int, log) -> None:
        self.port, self.log = port, log
        self.cookie = self.token = ""

    def open_form(self) -> None:
        reply = self._request("GET", f"/c/{CLINIC}/")
        assert reply.status == 200
        self.cookie = re.search(r"csrftoken=([^;]+)", reply.getheader("Set-Cookie")).group(1)
        self.token = (
            re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', reply.read())
            .group(1)
            .decode()
        )

    def submit(self, lang: str = "en") -> http.client.HTTPResponse:
        items = json.loads(INSTRUMENT.read_text())["items"]
        answers = {f"q_{item['id']}": "9" if item["scale"] == "likely11" else "4" for item in items}
        body = urlencode({"csrfmiddlewaretoken": self.token, **answers})
        reply = self._request(
            "POST",
            f"/c/{CLINIC}/?lang={lang}",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
            },
        )
        reply.text = reply.read().decode()
        return reply

    def _request(self, method, path, body=None, headers=None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        return connection.getresponse()


def test_postgres_restarted_during_submissions_gives_a_friendly_503_and_the_portal_recovers(
    own_postgres, portal
):
    started = time.monotonic()
    portal.open_form()
    assert portal.submit().status == 302  # stored: on to the thank-you page

    own_postgres.stop()
    down = portal.submit()
    assert down.status == 503, down.text[-2000:]
    assert down.getheader("Retry-After") == "60"
    assert "Please try again in a minute" in down.text
    assert "Traceback" not in down.text and "OperationalError" not in down.text
    assert "psycopg" not in down.text and str(own_postgres.port) not in down.text
    down_es = portal.submit(lang="es")
    assert down_es.status == 503 and "Vuelva a intentarlo en un minuto" in down_es.text
    assert "Database unavailable (POST feedback:survey_kiosk)" in _log_text(portal.log)

    own_postgres.start()
    back = [portal.submit() for _attempt in range(3)]  # the same server process, not restarted
    assert [reply.status for reply in back] == [302, 302, 302], back[0].text[-2000:]
    assert "/thanks/" in back[0].getheader("Location")

    # Restarted between two requests: the persistent connection is dead without anyone having
    # seen an error; the health check at the next request replaces it (CONN_HEALTH_CHECKS).
    own_postgres.stop()
    own_postgres.start()
    quiet_restart = portal.submit()
    assert quiet_restart.status == 302, quiet_restart.text[-500:]

    stored = own_postgres.query("portal", "SELECT count(*) FROM feedback_response")[0][0]
    assert stored == 5  # exactly the successful submissions: 1 before, 3 after, 1 at the end
    answers_per_response = own_postgres.query(
        "portal", "SELECT count(DISTINCT response_id), count(*) FROM feedback_dimensionscore"
    )
    assert answers_per_response[0][0] == stored  # every response whole, none half-stored
    assert time.monotonic() - started < 60

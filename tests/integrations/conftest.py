"""API tokens, an API client and a webhook receiver on loopback for the integrations tests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client

from compassion_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.INVITATION_MIN_DAYS_BETWEEN = 30
    settings.SITE_URL = "https://portal.example.org"
    settings.WEBHOOK_ALLOW_HTTP_LOOPBACK = True


@pytest.fixture
def eager_tasks():
    """Run on-commit tasks in-process even when REDIS_URL points at a real broker."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def token_a(clinic_a):
    """An API token of clinic A only: (row, token)."""
    from integrations.services import api_token_create

    return api_token_create(name="Riverside EHR", clinics=[clinic_a])


@pytest.fixture
def api_client():
    # CSRF enforced as in production: the API must work without a CSRF token.
    return Client(enforce_csrf_checks=True)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post_json(client, body, token: str, path: str = "/api/v1/visits", **headers):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, data=raw, content_type="application/json", **bearer(token), **headers)


class Receiver:
    """A webhook receiver on 127.0.0.1: answers with the next of ``statuses`` (then 200) and
    keeps every request's headers and raw body."""

    def __init__(self, statuses: list[int]):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/compassion"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(statuses=()):
        receiver = Receiver(list(statuses))
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()

"""Each log line is printed once under `make run` (DEBUG on, runserver), tokens redacted."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# What `make run` does when a patient mistypes a link, and what runserver logs for each request.
SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: %s", "/s/Zq3xSecretToken/")
logging.getLogger("django.server").info('"GET /s/Zq3xSecretToken/ HTTP/1.1" 404 179')
logging.getLogger("feedback.views").warning("an app line")
"""


def _stderr_of_the_demo_settings() -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CI",)}
    env.update(DEBUG="true", DJANGO_SETTINGS_MODULE="compassion_portal.settings")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_each_log_line_is_printed_once_with_debug_on():
    logged = _stderr_of_the_demo_settings()

    assert logged.count("Not Found: /s/[token]/") == 1, logged
    assert logged.count("an app line") == 1, logged
    assert logged.count('"GET /s/[token]/ HTTP/1.1" 404 179') == 1, logged


def test_runserver_request_lines_keep_their_time_and_hide_the_token():
    logged = _stderr_of_the_demo_settings()

    assert "Zq3xSecretToken" not in logged
    [request_line] = [line for line in logged.splitlines() if "GET /s/" in line]
    assert request_line.startswith("[")  # [04/Dec/2026 18:03:29] as Django prints it

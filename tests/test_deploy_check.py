"""`manage.py check --deploy` is clean with README's production settings, and not with the
demo defaults (so the check really can fail)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.hardening

PROJECT = Path(__file__).resolve().parents[1]
CHECK = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def readme_production_settings() -> dict[str, str]:
    """The NAME=value lines of the first code block under README's "Production settings"."""
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("\n## Production settings\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```env\n(.*?)```", section, re.S).group(1)
    pairs = (
        line.split("=", 1)
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    return {name.strip(): value.strip() for name, value in pairs}


def deploy_check(settings: dict[str, str]) -> subprocess.CompletedProcess:
    """The check in a fresh process that sees these settings and nothing of the test's own."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        CHECK, cwd=PROJECT, env={**env, **settings}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_readmes_production_settings():
    settings = readme_production_settings()
    assert {
        "SECRET_KEY",
        "DEBUG",
        "ALLOWED_HOSTS",
        "EMAIL_URL",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "SECURE_HSTS_SECONDS",
    } <= settings.keys()
    assert settings["EMAIL_URL"].startswith("smtp")
    # README asks for a key of one's own; the placeholder stands for one of the same shape.
    settings["SECRET_KEY"] = secrets.token_urlsafe(50)
    done = deploy_check(settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_with_the_demo_defaults_and_names_the_file_email_backend():
    done = deploy_check({"SECRET_KEY": secrets.token_urlsafe(50)})
    assert done.returncode != 0
    for problem in ("mail.E001", "security.W004", "security.W008", "security.W012"):
        assert problem in done.stderr, done.stderr

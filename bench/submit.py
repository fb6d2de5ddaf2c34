"""Benchmark: the kiosk survey (GET and POST) against a bare Django app, same server, same load.

Not a test. Run against a PostgreSQL database it may fill (created if missing), with a Redis
database of its own (flushed):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cp_speed_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 .venv/bin/python bench/submit.py [--lag]

Both apps run under gunicorn with the web container's worker count (2 sync workers, no access
log for either) on free loopback ports; bench/bare_app.py is the ceiling: one INSERT of 12 small
integers and a comment, and a bare "ok". Each round drives the four endpoints one after the other
with the same load tool (wrk -t2 -c32 when installed, else a threaded Python client; the output
says which), in an order that alternates between rounds, and prints req/s, p50, p99 and the
ratios of each round. Targets: POST >= 0.5x the bare INSERT, GET >= 0.3x the bare "ok", p99 <
100 ms.

--lag then starts a real Celery worker (every queue) and beat, sustains kiosk submissions at the
POST rate reached (or --lag-rate) for --lag-seconds, polls the clinic's day rollup, and prints
how long each response took to be counted (p50/p99; target: all within 60 s of the last one).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cp_speed_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compassion_portal.settings")
os.environ.setdefault("SECRET_KEY", "bench-submit-not-secret")

REDIS_URL = os.environ["REDIS_URL"]
from rollups import database_create_if_missing  # noqa: E402

os.environ["REDIS_URL"] = REDIS_URL  # bench/rollups.py drops it

CLINIC_SLUG = "bench-kiosk"
WORKERS = 2  # docker/web-start's default WEB_CONCURRENCY
WRK = shutil.which("wrk")

WRK_SCRIPT = """
wrk.method = "%(method)s"
wrk.body = %(body)s
%(headers)s
%(delay)s
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, "bad": %%d, '
    .. '"socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    # Every request comes from 127.0.0.1: the per-device limit would refuse all but ten.
    env["KIOSK_RATE_LIMIT"] = str(10**9)
    env.update(extra)
    return env


def gunicorn_start(app: str, port: int, *, chdir: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), app, "--chdir", str(chdir), "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--timeout", "60", "--no-control-socket"]
    process = subprocess.Popen(
        command, env=server_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app} did not start on port {port}")


def kiosk_post_parts(base: str) -> tuple[str, dict[str, str]]:
    """A valid kiosk POST body (first answer to every question, a comment) and its CSRF cookie.

    The same cookie and token are sent again and again: Django checks only that they match.
    """
    with urllib.request.urlopen(f"{base}/c/{CLINIC_SLUG}/") as page:
        html = page.read().decode()
        cookie = next(
            header.split(";")[0]
            for name, header in page.headers.items()
            if name.lower() == "set-cookie" and header.startswith("csrftoken=")
        )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    fields = {"csrfmiddlewaretoken": token, "comment": "Kind and quick, thank you."}
    # The top answer to every question (most patients' answer; a low one also opens a follow-up).
    radios = re.findall(r'type="radio" name="(q_[^"]+)" id="[^"]+" value="(\d+)"', html)
    for name, value in radios:
        if int(value) >= int(fields.get(name, -1)):
            fields[name] = value
    body = urllib.parse.urlencode(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
    return body, headers


def wrk_run(url, *, method="GET", body="", headers=None, seconds, connections, delay_ms=0):
    headers = headers or {}
    script = WRK_SCRIPT % {
        "method": method,
        "body": json.dumps(body) if body else "nil",
        "headers": "\n".join(
            f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
        ),
        "delay": f"delay = function() return {delay_ms} end" if delay_ms else "",
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = [
        WRK,
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        file.name,
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(file.name)
    result = json.loads(output.split("RESULT ", 1)[1])
    return {
        "rps": result["requests"] / result["seconds"],
        "p50": result["p50_us"] / 1000,
        "p99": result["p99_us"] / 1000,
        "bad": result["bad"] + result["socket_errors"],
    }


def python_run(url, *, method="GET", body="", headers=None, seconds, connections, delay_ms=0):
    """The fallback load tool: one keep-alive connection per thread, as wrk does."""
    parsed = urllib.parse.urlsplit(url)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client() -> None:
        connection = HTTPConnection(parsed.hostname, parsed.port, timeout=10)
        mine, mine_bad = [], 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            connection.request(method, path, body=body or None, headers=headers or {})
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            mine_bad += response.status >= 400
            if delay_ms:
                time.sleep(delay_ms / 1000)
        with lock:
            latencies.extend(mine)
            bad[0] += mine_bad

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": 1000 * latencies[len(latencies) // 2],
        "p99": 1000 * latencies[int(len(latencies) * 0.99)],
        "bad": bad[0],
    }


load = wrk_run if WRK else python_run


def database_prepare() -> int:
    """Schema, instruments, the bench clinic and the bare app's table; returns the clinic's id."""
    import django

    django.setup()
    from bare_app import TABLE_SQL
    from django.core.management import call_command
    from django.db import connection

    from feedback.models import Clinic
    from feedback.services import instruments_load_shipped

    call_command("migrate", verbosity=0)
    instruments_load_shipped()
    clinic, _ = Clinic.objects.get_or_create(
        slug=CLINIC_SLUG, defaults={"name": "Bench Kiosk Clinic", "timezone": "UTC"}
    )
    with connection.cursor() as cursor:
        cursor.execute(TABLE_SQL)
    connection.close()
    return clinic.pk


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def summary_line(label: str, rounds: list[dict]) -> str:
    rps = [r["rps"] for r in rounds]
    return (
        f"{label:<28} req/s {min(rps):7.0f} - {max(rps):7.0f}"
        f" (median {statistics.median(rps):7.0f})"
        f"  p50 {statistics.median(r['p50'] for r in rounds):6.1f} ms"
        f"  p99 {min(r['p99'] for r in rounds):6.1f} - {max(r['p99'] for r in rounds):6.1f} ms"
        f"  non-2xx/3xx {sum(r['bad'] for r in rounds)}"
    )


def throughput(args, app_base: str, bare_base: str) -> dict[str, list[dict]]:
    body, headers = kiosk_post_parts(app_base)
    targets = {
        "survey POST (kiosk)": dict(
            url=f"{app_base}/c/{CLINIC_SLUG}/", method="POST", body=body, headers=headers
        ),
        "bare INSERT view": dict(
            url=f"{bare_base}/insert/",
            method="POST",
            body=body,
            headers={"Content-Type": headers["Content-Type"]},
        ),
        "survey GET (kiosk)": dict(url=f"{app_base}/c/{CLINIC_SLUG}/"),
        "bare ok view": dict(url=f"{bare_base}/ok/"),
    }
    results: dict[str, list[dict]] = {name: [] for name in targets}
    order = list(targets)
    for name in order:  # warm both apps (imports, connections, template caches)
        load(**targets[name], seconds=2, connections=args.connections)
    for number in range(args.rounds):
        for name in order if number % 2 == 0 else list(reversed(order)):
            result = load(**targets[name], seconds=args.seconds, connections=args.connections)
            results[name].append(result)
        post = results["survey POST (kiosk)"][-1]["rps"] / results["bare INSERT view"][-1]["rps"]
        get = results["survey GET (kiosk)"][-1]["rps"] / results["bare ok view"][-1]["rps"]
        print(
            f"round {number + 1}: POST {results['survey POST (kiosk)'][-1]['rps']:.0f} vs "
            f"{results['bare INSERT view'][-1]['rps']:.0f} req/s = {post:.3f}x; GET "
            f"{results['survey GET (kiosk)'][-1]['rps']:.0f} vs "
            f"{results['bare ok view'][-1]['rps']:.0f} req/s = {get:.3f}x",
            flush=True,
        )
    for name in order:
        print(summary_line(name, results[name]))
    post_ratios = [
        a["rps"] / b["rps"]
        for a, b in zip(results["survey POST (kiosk)"], results["bare INSERT view"], strict=True)
    ]
    get_ratios = [
        a["rps"] / b["rps"]
        for a, b in zip(results["survey GET (kiosk)"], results["bare ok view"], strict=True)
    ]
    print(
        f"ratio POST/bare INSERT {min(post_ratios):.3f} - {max(post_ratios):.3f} "
        f"(median {statistics.median(post_ratios):.3f}, target >= 0.5)"
    )
    print(
        f"ratio GET/bare ok      {min(get_ratios):.3f} - {max(get_ratios):.3f} "
        f"(median {statistics.median(get_ratios):.3f}, target >= 0.3)"
    )
    return results


def celery_start(args, folder: Path) -> list[subprocess.Popen]:
    from django.conf import settings

    celery = str(Path(sys.executable).parent / "celery")
    queues = ",".join(getattr(settings, "CELERY_QUEUES_ALL", ["celery"]))
    env = server_env()
    log = (folder / "celery.log").open("w")
    worker = subprocess.Popen(
        [
            celery,
            "-A",
            "compassion_portal",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    beat = subprocess.Popen(
        [
            celery,
            "-A",
            "compassion_portal",
            "beat",
            "--loglevel",
            "WARNING",
            "--schedule",
            str(folder / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return [worker, beat]


def aggregation_lag(args, app_base: str, clinic_id: int, rate: float) -> None:
    """Sustain submissions at ``rate`` and time each response's arrival in the day rollup."""
    import datetime as dt

    from django.db import connection
    from django.db.models import Sum
    from django.utils import timezone

    from analytics.models import ResponseDayRollup
    from feedback.models import Response

    def counted() -> int:
        today = timezone.now().date()
        total = ResponseDayRollup.objects.filter(clinic_id=clinic_id, local_date=today).aggregate(
            n=Sum("responses")
        )["n"]
        return total or 0

    with tempfile.TemporaryDirectory() as folder:
        processes = celery_start(args, Path(folder))
        try:
            time.sleep(5)  # the worker connects and beat sends its first drain
            first_id = Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            baseline = Response.objects.filter(
                clinic_id=clinic_id, local_date=timezone.now().date()
            ).count()
            polls: list[tuple[float, int]] = []
            driving = threading.Event()
            driving.set()
            body, headers = kiosk_post_parts(app_base)
            delay_ms = max(1, int(1000 * args.lag_connections / rate))
            done: dict = {}

            def drive() -> None:
                done.update(
                    load(
                        url=f"{app_base}/c/{CLINIC_SLUG}/",
                        method="POST",
                        body=body,
                        headers=headers,
                        seconds=args.lag_seconds,
                        connections=args.lag_connections,
                        delay_ms=delay_ms,
                    )
                )
                driving.clear()

            driver = threading.Thread(target=drive)
            driver.start()
            last_change = time.time()
            while True:
                now = time.time()
                polls.append((now, counted() - baseline))
                if not driving.is_set():
                    stored = Response.objects.filter(pk__gt=first_id, clinic_id=clinic_id).count()
                    if polls[-1][1] >= stored or now - last_change > 90:
                        break
                if len(polls) > 1 and polls[-1][1] != polls[-2][1]:
                    last_change = now
                time.sleep(0.25)
            driver.join()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:  # a warm shutdown waiting on a countdown
                    process.kill()
                    process.wait()
        submitted = list(
            Response.objects.filter(pk__gt=first_id, clinic_id=clinic_id)
            .order_by("submitted_at")
            .values_list("submitted_at", flat=True)
        )
        connection.close()
    lags, missing = [], 0
    poll_index = 0
    for index, moment in enumerate(submitted):
        while poll_index < len(polls) and polls[poll_index][1] < index + 1:
            poll_index += 1
        if poll_index == len(polls):
            missing = len(submitted) - index
            break
        lags.append(polls[poll_index][0] - moment.timestamp())
    last = submitted[-1].timestamp() if submitted else time.time()
    all_in = next((t for t, n in polls if n >= len(submitted)), None)
    lags.sort()
    print(
        f"aggregation lag: {len(submitted):,} submissions over {args.lag_seconds} s "
        f"({len(submitted) / args.lag_seconds:.0f}/s asked {rate:.0f}/s, p99 latency "
        f"{done.get('p99', float('nan')):.1f} ms, non-2xx/3xx {done.get('bad')})"
    )
    if lags:
        print(
            f"  lag p50 {lags[len(lags) // 2]:.1f} s, p99 {lags[int(len(lags) * 0.99)]:.1f} s, "
            f"max {lags[-1]:.1f} s (polled every 0.25 s)"
        )
    if all_in is not None:
        print(
            f"  all {len(submitted):,} in the rollup {all_in - last:.1f} s after the last one "
            f"(target <= 60 s)"
        )
    else:
        print(f"  {missing:,} NOT in the rollup 90 s after the last change")
    del dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10, help="per endpoint and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--app-root", type=Path, default=ROOT, help="serve another checkout (before/after)"
    )
    parser.add_argument("--lag", action="store_true", help="also the aggregation lag run")
    parser.add_argument("--lag-only", action="store_true", help="only the aggregation lag run")
    parser.add_argument("--lag-rate", type=float, default=0, help="default: POST rate reached")
    parser.add_argument("--lag-seconds", type=int, default=120)
    parser.add_argument("--lag-connections", type=int, default=16)
    args = parser.parse_args()

    database_create_if_missing(os.environ["DATABASE_URL"])
    redis_flush(os.environ["REDIS_URL"])
    clinic_id = database_prepare()
    print(
        f"load tool: {'wrk (' + WRK + ') -t2' if WRK else 'Python threaded client (wrk absent)'}"
        f" -c{args.connections}, {args.seconds} s per endpoint, {args.rounds} interleaved rounds;"
        f" gunicorn {WORKERS} sync workers; load average {os.getloadavg()[0]:.1f} at start"
    )
    app_port, bare_port = free_port(), free_port()
    servers = [
        gunicorn_start("compassion_portal.wsgi:application", app_port, chdir=args.app_root),
        gunicorn_start("bare_app:application", bare_port, chdir=BENCH),
    ]
    app_base, bare_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
    try:
        rate = args.lag_rate
        if not args.lag_only:
            results = throughput(args, app_base, bare_base)
            rate = rate or statistics.median(r["rps"] for r in results["survey POST (kiosk)"])
            print(f"load average {os.getloadavg()[0]:.1f} at the end")
        if args.lag or args.lag_only:
            aggregation_lag(args, app_base, clinic_id, rate or 150)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


if __name__ == "__main__":
    main()

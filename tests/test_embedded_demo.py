"""The README's first command on its embedded default: SQLite, tasks in-process, demo data.

CI runs the suite against PostgreSQL, so this runs the demo's own path in a subprocess on a
fresh SQLite file: SQL that only PostgreSQL accepts would break `make run` and nothing else.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_migrates_seeds_and_aggregates_on_sqlite(tmp_path):
    database = tmp_path / "demo.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CI")}
    env.update(DATABASE_URL=f"sqlite:///{database}", DEBUG="true")
    for command in (["migrate", "--noinput"], ["seed_demo", "--responses", "300"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-4000:]

    with sqlite3.connect(database) as db:
        for table in (
            "responserollup",
            "responsedayrollup",
            "responseclinicdayrollup",
            "responseclinicmonthrollup",
        ):
            (responses,) = db.execute(f"SELECT SUM(responses) FROM analytics_{table}").fetchone()
            assert responses == 300, table
        (item_rows,) = db.execute("SELECT COUNT(*) FROM analytics_itemrollup").fetchone()
        (pending,) = db.execute("SELECT COUNT(*) FROM feedback_dirtybucket").fetchone()
        follow_ups = dict(
            db.execute("SELECT status, COUNT(*) FROM feedback_followup GROUP BY status")
        )
        stories = dict(
            db.execute("SELECT status, COUNT(*) FROM feedback_testimonial GROUP BY status")
        )
        (analysed,) = db.execute("SELECT COUNT(*) FROM feedback_commentanalysis").fetchone()
    assert item_rows > 0 and pending == 0
    # The pages a manager opens first have something on them: follow-ups (handled, with the
    # audit trail), approved stories for the walls, analysed comments for the themes.
    assert follow_ups.get("handled", 0) > 0
    assert stories.get("approved", 0) > 0
    assert analysed > 50

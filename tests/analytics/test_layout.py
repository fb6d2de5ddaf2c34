"""The package layout holds: rollups never import the dashboard, and every task that other code
sends by name is registered under that very name (names outlive moves of code)."""

import subprocess
import sys

from django.conf import settings

from analytics.exports.services import EXPORT_TASK
from compassion_portal.celery import app
from feedback.rollup_buckets import ROLLUPS_DRAIN_TASK
from feedback.testimonials import COMMENTS_TASK
from integrations.webhooks import WEBHOOK_DELIVER_TASK


def test_the_rollups_package_never_imports_the_dashboard():
    code = (
        "import sys, django; django.setup(); "
        "import analytics.rollups.services, analytics.rollups.bulk, analytics.rollups.selectors; "
        "print(sorted(name for name in sys.modules if name.startswith('analytics.dashboard')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_every_task_sent_by_name_or_scheduled_is_registered_under_that_name():
    app.loader.import_default_modules()  # every app's tasks, as a worker registers them
    sent = {EXPORT_TASK, ROLLUPS_DRAIN_TASK, COMMENTS_TASK, WEBHOOK_DELIVER_TASK}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert sorted((sent | scheduled) - set(app.tasks)) == []

"""Every Celery task of analytics (rollups, comments, exports, alerts, reports): thin wrappers.

Each task is registered under an explicit name: beat schedules, queued messages and feedback's
send_task calls refer to tasks by that name, so it must not change when code moves.
They take ids (or nothing) and are safe to run twice: they recompute, or lock a job row.
"""

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from analytics.alerts.services import trend_alerts_run
from analytics.comments.services import comments_analyse_backlog
from analytics.exports.services import (
    export_job_fail,
    export_job_run,
    exports_expire,
    exports_resend_queued,
)
from analytics.reports.services import monthly_reports_send
from analytics.rollups.services import dirty_buckets_drain, rollups_reconcile
from compassion_portal.celery import TASK_RETRY


@shared_task(name="analytics.tasks.rollups_drain", **TASK_RETRY)
def rollups_drain() -> int:
    """Recompute the buckets marked dirty by submissions (coalesced on send; also every minute)."""
    return dirty_buckets_drain()


@shared_task(name="analytics.tasks.rollups_reconcile_recent", **TASK_RETRY)
def rollups_reconcile_recent() -> int:
    """Nightly: recompute the last 35 days from the raw data, whatever the queue lost."""
    return rollups_reconcile(days=35)


@shared_task(name="analytics.tasks_comments.comments_analyse_pending", **TASK_RETRY)
def comments_analyse_pending() -> int:
    """Analyse every comment and testimonial not analysed yet (coalesced on send)."""
    return comments_analyse_backlog()


class ExportJobTask(Task):
    """Marks the job failed, with a reason its requester reads, once no retry is left."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        if isinstance(exc, SoftTimeLimitExceeded):
            reason = "The export ran past its time limit. Try a shorter period or fewer clinics."
        else:
            reason = "The export failed after several attempts. Please try again later."
        export_job_fail(job_id=args[0], reason=reason)


@shared_task(
    name="analytics.exports.tasks.export_job_run",
    base=ExportJobTask,
    bind=True,
    **TASK_RETRY,
)
def export_job_run_task(self: Task, job_id: str) -> str:
    return export_job_run(job_id=job_id, task_id=self.request.id or "").status


@shared_task(name="analytics.exports.tasks.exports_expire", **TASK_RETRY)
def exports_expire_task() -> int:
    """Periodic: delete expired export files and fail jobs stuck past their time limit."""
    return exports_expire()


@shared_task(name="analytics.exports.tasks.exports_resend_queued", **TASK_RETRY)
def exports_resend_queued_task() -> int:
    """Periodic: send again the jobs still queued long after their task was sent."""
    return exports_resend_queued()


@shared_task(name="analytics.tasks.trend_alerts_run", **TASK_RETRY)
def trend_alerts_run_task() -> int:
    """Daily: record new signals on complete weeks, then mail each one once to the managers."""
    return trend_alerts_run()


@shared_task(name="analytics.tasks.monthly_reports_send", **TASK_RETRY)
def monthly_reports_send_task() -> int:
    """First of the month: last month's leadership report to each user who opted in, once."""
    return monthly_reports_send()

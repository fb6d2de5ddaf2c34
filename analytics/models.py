"""Rollups: additive sufficient statistics per clinic-day bucket; all the dashboard reads.

Every row is recomputed from the raw responses of its (clinic, local day) and never incremented,
so any period or group is the exact sum of its rows and a job that runs twice changes nothing.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The columns every rollup is keyed by, in the order of their unique index: the dashboard always
# filters by clinic and a date range first, then by the rest.
BUCKET_FIELDS = ("clinic", "local_date", "provider", "visit_type", "channel", "language")


def _unique_key(*extra: str, name: str) -> models.UniqueConstraint:
    """The bucket key plus ``extra``; a missing provider counts as one value (COALESCE to 0).

    An expression index rather than nulls_distinct=False so that SQLite (the demo) enforces it too.
    """
    return models.UniqueConstraint(
        F("clinic"),
        F("local_date"),
        Coalesce(F("provider"), Value(0)),
        F("visit_type"),
        F("channel"),
        F("language"),
        *(F(field) for field in extra),
        name=name,
    )


# The coarse rollups' key: what the dashboard filters by in the common case (no visit type,
# channel or language chosen).
DAY_BUCKET_FIELDS = ("clinic", "local_date", "provider")


def _day_unique_key(*extra: str, name: str) -> models.UniqueConstraint:
    """DAY_BUCKET_FIELDS plus ``extra``, a missing provider counting as one value (see above)."""
    return models.UniqueConstraint(
        F("clinic"),
        F("local_date"),
        Coalesce(F("provider"), Value(0)),
        *(F(field) for field in extra),
        name=name,
    )


class ClinicDayBucket(models.Model):
    """The coarsest key: a clinic's day, summed over providers too.

    What a view comparing clinics reads when no provider is chosen: about one row per clinic,
    day and dimension, however many providers and responses stand behind it.
    """

    # Derived data rebuilt in bulk, where every index and every per-row check is paid for on each
    # insert: no separate foreign-key indexes (the unique key's index leads with clinic) and no
    # database-level foreign keys (the ids come from responses, which have them; deletes still
    # cascade through Django).
    clinic = models.ForeignKey(
        "feedback.Clinic",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    local_date = models.DateField()

    class Meta:
        abstract = True


class DayRollupBucket(ClinicDayBucket):
    """The day key: a clinic's day and provider, summed over visit type, channel and language.

    At a health system's density the fine rollups are about as large as the raw data; these are
    several times smaller and answer every dashboard filter that names none of those three.
    Derived from the fine rows of the same buckets in the same transaction, so they are exact
    sums of them.
    """

    provider = models.ForeignKey(
        "feedback.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        abstract = True


class RollupBucket(DayRollupBucket):
    """The key of every fine rollup: a clinic-day plus the dashboard's other filters."""

    visit_type = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=8)
    language = models.CharField(max_length=8)

    class Meta:
        abstract = True


class ResponseCounts(models.Model):
    """How many responses a bucket received (whether or not any dimension could be scored), and
    the invitations sent on its day with how many of those were answered (on any day since).

    The response rate of a period is invitations_answered / invitations_sent summed over it; a
    bucket may have invitations and no response, or the reverse (kiosk answers).
    """

    responses = models.PositiveIntegerField()
    invitations_sent = models.PositiveIntegerField(default=0)
    invitations_answered = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date}: {self.responses} responses"


class DimensionStats(models.Model):
    """Sufficient statistics of one dimension's 0-100 scores in a bucket.

    Mean, SD and t-interval follow from n, score_sum and score_sumsq; top-box percentage from
    top_box_items / answered_items; NPS from promoters, detractors and n (likelihood to recommend).
    """

    dimension = models.CharField(max_length=40)
    n = models.PositiveIntegerField(help_text="Respondents with a score on this dimension.")
    score_sum = models.FloatField()
    score_sumsq = models.FloatField()
    answered_items = models.PositiveIntegerField()
    top_box_items = models.PositiveIntegerField()
    # Only for NPS dimensions (0-10): 9-10 and 0-6; zero elsewhere.
    promoters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date} {self.dimension}: n={self.n}"


class ItemCounts(models.Model):
    """Valid and top-box answers to one item in a bucket, for item-level top-box bars.

    Top box is judged on the scored value, so a reverse-scored item's top box is its lowest answer.
    """

    item = models.CharField(max_length=40)
    answers = models.PositiveIntegerField()
    top_box = models.PositiveIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date} {self.item}: {self.top_box}/{self.answers}"


class ResponseRollup(RollupBucket, ResponseCounts):
    class Meta:
        constraints = [_unique_key(name="response_rollup_unique_bucket")]


class DimensionRollup(RollupBucket, DimensionStats):
    class Meta:
        constraints = [_unique_key("dimension", name="dimension_rollup_unique_bucket")]


class ItemRollup(RollupBucket, ItemCounts):
    class Meta:
        constraints = [_unique_key("item", name="item_rollup_unique_bucket")]


class ResponseDayRollup(DayRollupBucket, ResponseCounts):
    """ResponseRollup summed over visit type, channel and language."""

    class Meta:
        constraints = [_day_unique_key(name="response_day_rollup_unique_bucket")]


class DimensionDayRollup(DayRollupBucket, DimensionStats):
    """DimensionRollup summed over visit type, channel and language."""

    class Meta:
        constraints = [_day_unique_key("dimension", name="dimension_day_rollup_unique_bucket")]


class ItemDayRollup(DayRollupBucket, ItemCounts):
    """ItemRollup summed over visit type, channel and language."""

    class Meta:
        constraints = [_day_unique_key("item", name="item_day_rollup_unique_bucket")]


def _clinic_day_unique_key(*extra: str, name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["clinic", "local_date", *extra], name=name)


class ResponseClinicDayRollup(ClinicDayBucket, ResponseCounts):
    """ResponseDayRollup summed over providers."""

    class Meta:
        constraints = [_clinic_day_unique_key(name="response_clinic_day_rollup_unique_bucket")]


class DimensionClinicDayRollup(ClinicDayBucket, DimensionStats):
    """DimensionDayRollup summed over providers."""

    class Meta:
        constraints = [
            _clinic_day_unique_key("dimension", name="dimension_clinic_day_rollup_unique_bucket")
        ]


class ItemClinicDayRollup(ClinicDayBucket, ItemCounts):
    """ItemDayRollup summed over providers."""

    class Meta:
        constraints = [_clinic_day_unique_key("item", name="item_clinic_day_rollup_unique_bucket")]


class ClinicMonthBucket(ClinicDayBucket):
    """A clinic's calendar month (in its time zone); ``local_date`` is the month's first day.

    What a clinic-wide view over months reads for the months it covers whole: a year of 20
    clinics is 240 rows per dimension instead of 7,300. A recompute of any day sums its month
    again from the clinic-day rows (analytics.rollups.grains).
    """

    class Meta:
        abstract = True


class ResponseClinicMonthRollup(ClinicMonthBucket, ResponseCounts):
    """ResponseClinicDayRollup summed over the month."""

    class Meta:
        constraints = [_clinic_day_unique_key(name="response_clinic_month_rollup_unique_bucket")]


class DimensionClinicMonthRollup(ClinicMonthBucket, DimensionStats):
    """DimensionClinicDayRollup summed over the month."""

    class Meta:
        constraints = [
            _clinic_day_unique_key("dimension", name="dimension_clinic_month_rollup_unique_bucket")
        ]


class ItemClinicMonthRollup(ClinicMonthBucket, ItemCounts):
    """ItemClinicDayRollup summed over the month."""

    class Meta:
        constraints = [
            _clinic_day_unique_key("item", name="item_clinic_month_rollup_unique_bucket")
        ]


class ExportJob(models.Model):
    """An export too large to stream in the request: built by a Celery task, kept privately.

    The primary key is a random UUID, the only handle on the file; only the requester (and
    admins) may fetch it. The same export asked for again while one runs gets the running one:
    the database allows one unfinished job per requester and fingerprint.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        RESPONSES = "responses", _("Responses")
        SCORES = "scores", _("Scores by period")

    class FileFormat(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", _("Excel workbook")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_format = models.CharField(max_length=8, choices=FileFormat.choices)
    # The resolved filters (clinic ids the requester may see, dates...) and options (BOM...).
    filters = models.JSONField(default=dict)
    # sha256 of kind, format, filters and options: "the same export".
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # Relative to EXPORT_ROOT; emptied when the file is deleted.
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When its task was last sent to the broker: a job still queued long after that is sent
    # again (the message may have been lost with a broker outage).
    sent_at = models.DateTimeField(default=timezone.now)
    # The task message that runs it. Another message for a running job is a duplicate (a resend)
    # and does nothing; the same message delivered again (its worker died) starts it over.
    run_task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "fingerprint"],
                condition=models.Q(status__in=["queued", "running"]),
                name="export_job_one_unfinished_per_request",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="export_job_rows_done_within_total",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="export_job_status_expiry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} export {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


# Alert and report e-mail models live with their code; imported here so Django finds them.
from analytics.alerts.models import (  # noqa: E402, F401
    MonthlyReportDelivery,
    StaffMailPreference,
    TrendAlert,
)

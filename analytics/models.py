"""Rollups: additive sufficient statistics per clinic-day bucket; all the dashboard reads.

Every row is recomputed from the raw responses of its (clinic, local day) and never incremented,
so any period or group is the exact sum of its rows and a job that runs twice changes nothing.
"""

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce

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


class RollupBucket(models.Model):
    """The key of every rollup: a day in the clinic's time zone plus the dashboard's filters."""

    # Derived data rebuilt in bulk, where every index and every per-row check is paid for on each
    # insert: no separate foreign-key indexes (the unique key's index leads with clinic) and no
    # database-level foreign keys (the ids come from responses, which have them; deletes still
    # cascade through Django).
    clinic = models.ForeignKey(
        "feedback.Clinic", on_delete=models.CASCADE, related_name="+", db_index=False,
        db_constraint=False,
    )
    local_date = models.DateField()
    provider = models.ForeignKey(
        "feedback.Provider", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        db_index=False, db_constraint=False,
    )
    visit_type = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=8)
    language = models.CharField(max_length=8)

    class Meta:
        abstract = True


class ResponseRollup(RollupBucket):
    """How many responses a bucket received (whether or not any dimension could be scored)."""

    responses = models.PositiveIntegerField()

    class Meta:
        constraints = [_unique_key(name="response_rollup_unique_bucket")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date}: {self.responses} responses"


class DimensionRollup(RollupBucket):
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
        constraints = [_unique_key("dimension", name="dimension_rollup_unique_bucket")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date} {self.dimension}: n={self.n}"


class ItemRollup(RollupBucket):
    """Valid and top-box answers to one item in a bucket, for item-level top-box bars.

    Top box is judged on the scored value, so a reverse-scored item's top box is its lowest answer.
    """

    item = models.CharField(max_length=40)
    answers = models.PositiveIntegerField()
    top_box = models.PositiveIntegerField()

    class Meta:
        constraints = [_unique_key("item", name="item_rollup_unique_bucket")]

    def __str__(self) -> str:
        return f"{self.clinic_id}/{self.local_date} {self.item}: {self.top_box}/{self.answers}"

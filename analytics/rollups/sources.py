"""Which raw rows a recompute reads, and which rollup rows it replaces: a list of
(clinic, local day) buckets, or a date range.

Responses, their scores and invitations keep a row's clinic and local day under different
lookups; BucketFields names them once, so every recompute selects the same buckets of each.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

Bucket = tuple[int, dt.date]  # (clinic id, local date)


@dataclass(frozen=True)
class BucketFields:
    """Where a model keeps a row's clinic and local day, as ORM lookups from that model."""

    clinic: str = "clinic_id"
    date: str = "local_date"


ROLLUP_ROW = BucketFields()
RESPONSE = BucketFields()
SCORE = BucketFields("response__clinic_id", "response__local_date")
# An invitation counts on the day it was sent, in its clinic's time zone.
INVITATION = BucketFields("visit__clinic_id", "sent_local_date")


def buckets_q(buckets: Iterable[Bucket], fields: BucketFields = ROLLUP_ROW) -> Q:
    dates_by_clinic: dict[int, set[dt.date]] = defaultdict(set)
    for clinic_id, local_date in buckets:
        dates_by_clinic[clinic_id].add(local_date)
    q = Q(pk__in=[])
    for clinic_id, dates in sorted(dates_by_clinic.items()):
        q |= Q(**{fields.clinic: clinic_id, f"{fields.date}__in": sorted(dates)})
    return q


def range_q(
    since: dt.date, until: dt.date, clinic_ids: list[int], fields: BucketFields = ROLLUP_ROW
) -> Q:
    # Naming every clinic lets the (clinic, local_date) indexes serve a date range of all clinics.
    return Q(**{f"{fields.clinic}__in": clinic_ids, f"{fields.date}__range": (since, until)})


# Staff wellbeing pulse answers (feedback.pulse) share the Response table but are never
# patients' answers: no patient rollup, and so no dashboard, reads them.
PATIENT_RESPONSES = Q(pulse_round__isnull=True)
PATIENT_SCORES = Q(response__pulse_round__isnull=True)


@dataclass(frozen=True)
class SourceRows:
    """The raw rows a recompute reads: patients' responses, their scores, and invitations."""

    responses: Q
    scores: Q
    invitations: Q

    def __post_init__(self) -> None:
        object.__setattr__(self, "responses", self.responses & PATIENT_RESPONSES)
        object.__setattr__(self, "scores", self.scores & PATIENT_SCORES)

    @classmethod
    def of_buckets(cls, buckets: Iterable[Bucket]) -> SourceRows:
        buckets = list(buckets)
        return cls(
            buckets_q(buckets, RESPONSE), buckets_q(buckets, SCORE), buckets_q(buckets, INVITATION)
        )

    @classmethod
    def of_range(cls, since: dt.date, until: dt.date, clinic_ids: list[int]) -> SourceRows:
        return cls(
            *(range_q(since, until, clinic_ids, fields) for fields in (RESPONSE, SCORE, INVITATION))
        )

    @classmethod
    def everything(cls) -> SourceRows:
        return cls(Q(), Q(), Q())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


@dataclass(frozen=True)
class RollupRows:
    """The rollup rows a recompute replaces.

    ``days`` selects its days' rows at every daily grain. A month row is replaced whole: it is
    summed again from every clinic-day row of its month (``days_of_months``), so a recompute of
    one day leaves the month the exact sum of its days.
    """

    days: Q
    months: Q  # month rows, keyed by the month's first day
    days_of_months: Q
    # (clinic id, month's first day) of every month row replaced, sorted; empty for everything
    clinic_months: tuple[Bucket, ...] = ()

    @classmethod
    def of_buckets(cls, buckets: Iterable[Bucket]) -> RollupRows:
        buckets = list(buckets)
        clinic_months = sorted({(clinic_id, month_start(day)) for clinic_id, day in buckets})
        days_of_months = Q(pk__in=[])
        for clinic_id, first in clinic_months:
            days_of_months |= Q(clinic_id=clinic_id, local_date__range=(first, month_end(first)))
        return cls(
            buckets_q(buckets), buckets_q(clinic_months), days_of_months, tuple(clinic_months)
        )

    @classmethod
    def of_range(cls, since: dt.date, until: dt.date, clinic_ids: list[int]) -> RollupRows:
        firsts = [month_start(since)]
        while firsts[-1] < month_start(until):
            firsts.append(month_end(firsts[-1]) + dt.timedelta(days=1))
        return cls(
            range_q(since, until, clinic_ids),
            range_q(month_start(since), until, clinic_ids),
            range_q(month_start(since), month_end(until), clinic_ids),
            tuple(sorted((clinic_id, first) for clinic_id in clinic_ids for first in firsts)),
        )

    @classmethod
    def everything(cls) -> RollupRows:
        return cls(Q(), Q(), Q())

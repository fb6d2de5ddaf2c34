"""Which raw rows a recompute reads: a list of (clinic, local day) buckets, or a date range.

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


@dataclass(frozen=True)
class SourceRows:
    """The raw rows a recompute reads: responses, their scores, and invitations."""

    responses: Q
    scores: Q
    invitations: Q

    @classmethod
    def of_buckets(cls, buckets: Iterable[Bucket]) -> SourceRows:
        buckets = list(buckets)
        return cls(buckets_q(buckets, RESPONSE), buckets_q(buckets, SCORE),
                   buckets_q(buckets, INVITATION))

    @classmethod
    def of_range(cls, since: dt.date, until: dt.date, clinic_ids: list[int]) -> SourceRows:
        return cls(*(range_q(since, until, clinic_ids, fields)
                     for fields in (RESPONSE, SCORE, INVITATION)))

    @classmethod
    def everything(cls) -> SourceRows:
        return cls(Q(), Q(), Q())

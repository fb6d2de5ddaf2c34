"""Reads about collection that take more than one line: response rates."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import Count, Q

from feedback.models import Clinic, Invitation


class ResponseRate(NamedTuple):
    answered: int
    sent: int
    # answered / sent; None (not 0) when nothing was sent, because 0 of 0 is not a rate.
    rate: float | None


def response_rate(*, clinic: Clinic, start: dt.datetime, end: dt.datetime) -> ResponseRate:
    """Answered / sent for the clinic's invitations sent in [start, end), counted in SQL.

    An invitation counts for the period it was sent in, whenever it was answered, so a period's
    rate can still rise for a few days after it ends.
    """
    counts = Invitation.objects.filter(
        visit__clinic=clinic, sent_at__gte=start, sent_at__lt=end
    ).aggregate(sent=Count("pk"), answered=Count("pk", filter=Q(used_at__isnull=False)))
    sent, answered = counts["sent"], counts["answered"]
    return ResponseRate(answered=answered, sent=sent, rate=answered / sent if sent else None)

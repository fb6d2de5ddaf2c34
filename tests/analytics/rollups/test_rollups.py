"""Rollups recomputed from stored scores: hand-computed cases, idempotence, deletes, coalescing."""

import datetime as dt

import pytest
from django.db.models import F, Sum

from analytics.models import DimensionRollup, ItemRollup, ResponseRollup
from analytics.rollups import services as rollup_services
from analytics.rollups.services import (
    dirty_buckets_drain,
    rollups_rebuild,
    rollups_rebuild_for_buckets,
    rollups_rebuild_for_day,
)
from analytics.tasks import rollups_drain
from feedback.models import DirtyBucket, Response
from feedback.services import response_submit

pytestmark = pytest.mark.django_db

# 15:00 UTC is 10:00 or 11:00 in New York (clinic_a), the same calendar day.
MARCH_10 = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 3, 10)


def rollup_snapshot() -> dict[str, list[tuple]]:
    """Every rollup row without its id, sorted: equal snapshots mean equal rollups."""
    snapshot = {}
    for model in (ResponseRollup, DimensionRollup, ItemRollup):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        snapshot[model.__name__] = sorted(model.objects.values_list(*fields), key=repr)
    return snapshot


@pytest.fixture
def submit(instrument, full_answers):
    def submit(clinic, *, at=MARCH_10, recommend=9, likert=4, **changes):
        answers = {item: (recommend if item == "recommend" else likert) for item in full_answers}
        answers.update(changes.pop("answers", {}))
        return response_submit(
            instrument=instrument,
            clinic=clinic,
            answers=answers,
            language="en",
            now=at,
            **changes,
        )

    return submit


def test_two_responses_roll_up_to_hand_computed_sums(submit, clinic_a, provider_a):
    # All 4s and 9 to recommend; all 5s and 6 to recommend, except "I felt rushed" (reverse
    # scored, 1 = strongly disagree = the best) answered 1 in both.
    submit(clinic_a, provider=provider_a, likert=4, recommend=9, answers={"time_rushed": 1})
    submit(clinic_a, provider=provider_a, likert=5, recommend=6, answers={"time_rushed": 1})
    dirty_buckets_drain()

    empathy = DimensionRollup.objects.get(dimension="empathy")
    # Empathy has 3 items: means 4 and 5 -> 0-100 scores 75 and 100.
    assert (empathy.n, empathy.score_sum, empathy.score_sumsq) == (2, 75 + 100, 75**2 + 100**2)
    assert (empathy.answered_items, empathy.top_box_items) == (3 + 3, 0 + 3)
    assert (empathy.clinic_id, empathy.provider_id, empathy.local_date) == (
        clinic_a.pk,
        provider_a.pk,
        DAY,
    )
    assert (empathy.promoters, empathy.detractors) == (0, 0)

    time = DimensionRollup.objects.get(dimension="time")
    # time_enough 4 or 5; time_rushed 1 flipped to 5: means (4+5)/2 = 4.5 and 5 -> 87.5 and 100.
    assert (time.n, time.score_sum, time.score_sumsq) == (2, 87.5 + 100, 87.5**2 + 100**2)
    assert time.top_box_items == 1 + 2

    recommend = DimensionRollup.objects.get(dimension="recommend")
    # 9 is a promoter (score 90), 6 a detractor (score 60).
    assert (recommend.n, recommend.score_sum, recommend.score_sumsq) == (2, 150, 90**2 + 60**2)
    assert (recommend.promoters, recommend.detractors) == (1, 1)

    assert ItemRollup.objects.get(item="empathy_kindness").answers == 2
    assert ItemRollup.objects.get(item="empathy_kindness").top_box == 1
    # Top box of a reverse-scored item is its lowest raw answer.
    assert ItemRollup.objects.get(item="time_rushed").top_box == 2
    assert ItemRollup.objects.get(item="recommend").top_box == 0  # 10 is its top box
    assert ResponseRollup.objects.get().responses == 2


def test_absent_answers_are_not_counted_and_unscored_dimensions_are_left_out(submit, clinic_a):
    # Respect has 2 items and max_missing 1: one "does not apply" still scores (mean of the
    # other), two leave the dimension unscored.
    submit(clinic_a, likert=4, answers={"respect_dignity": None})
    submit(clinic_a, likert=2, answers={"respect_dignity": None, "respect_culture": None})
    dirty_buckets_drain()

    respect = DimensionRollup.objects.get(dimension="respect")
    assert (respect.n, respect.score_sum, respect.answered_items) == (1, 75, 1)
    assert ItemRollup.objects.get(item="respect_culture").answers == 1
    assert not ItemRollup.objects.filter(item="respect_dignity").exists()  # no valid answer
    assert ResponseRollup.objects.get().responses == 2
    assert DimensionRollup.objects.get(dimension="empathy").n == 2


def test_each_provider_channel_language_and_visit_type_gets_its_own_rows(
    submit, clinic_a, clinic_b, provider_a
):
    submit(clinic_a, provider=provider_a)
    submit(clinic_a)  # no provider
    submit(clinic_a, channel="sms")
    submit(clinic_a, visit_type="urgent")
    submit(clinic_b)
    dirty_buckets_drain()

    rows = ResponseRollup.objects.order_by(
        "clinic_id", F("provider_id").asc(nulls_first=True), "channel", "visit_type"
    )
    assert [(r.clinic_id, r.provider_id, r.channel, r.visit_type, r.responses) for r in rows] == [
        (clinic_a.pk, None, "qr", "", 1),
        (clinic_a.pk, None, "qr", "urgent", 1),
        (clinic_a.pk, None, "sms", "", 1),
        (clinic_a.pk, provider_a.pk, "qr", "", 1),
        (clinic_b.pk, None, "qr", "", 1),
    ]
    assert DimensionRollup.objects.filter(dimension="trust").count() == 5


def test_a_response_late_in_the_evening_counts_on_the_clinics_local_day(submit, clinic_a):
    # 02:30 UTC on 11 March is 22:30 on 10 March in New York.
    submit(clinic_a, at=dt.datetime(2026, 3, 11, 2, 30, tzinfo=dt.UTC))
    dirty_buckets_drain()
    assert ResponseRollup.objects.get().local_date == DAY


def test_recomputing_twice_gives_the_same_rows(submit, clinic_a, provider_a):
    submit(clinic_a, provider=provider_a, likert=3)
    submit(clinic_a, likert=5, recommend=10)
    rollups_rebuild_for_day(clinic_id=clinic_a.pk, local_date=DAY)
    first = rollup_snapshot()
    rollups_rebuild_for_day(clinic_id=clinic_a.pk, local_date=DAY)
    rollups_rebuild(since=DAY, until=DAY)
    rollups_drain.apply()

    assert first == rollup_snapshot()
    assert ResponseRollup.objects.aggregate(total=Sum("responses"))["total"] == 2


def test_a_deleted_response_is_gone_after_the_recompute(submit, clinic_a):
    keep = submit(clinic_a, likert=5)
    gone = submit(clinic_a, likert=1)
    dirty_buckets_drain()
    assert DimensionRollup.objects.get(dimension="empathy").n == 2

    gone.delete()
    rollups_rebuild_for_buckets(buckets=[(clinic_a.pk, DAY)])
    empathy = DimensionRollup.objects.get(dimension="empathy")
    assert (empathy.n, empathy.score_sum) == (1, 100)

    keep.delete()
    rollups_rebuild_for_buckets(buckets=[(clinic_a.pk, DAY)])
    assert rollup_snapshot() == {"ResponseRollup": [], "DimensionRollup": [], "ItemRollup": []}


def test_a_changed_score_is_reflected_after_the_recompute(submit, clinic_a):
    response = submit(clinic_a, likert=4)
    dirty_buckets_drain()
    response.scores.filter(dimension="trust").update(score=50.0)
    response.answers["trust_safe"] = 5
    Response.objects.filter(pk=response.pk).update(answers=response.answers)

    rollups_rebuild(since=DAY, until=DAY)
    trust = DimensionRollup.objects.get(dimension="trust")
    assert (trust.score_sum, trust.score_sumsq) == (50.0, 2500.0)
    assert ItemRollup.objects.get(item="trust_safe").top_box == 1


def test_many_submissions_to_one_bucket_leave_one_dirty_row(submit, clinic_a, clinic_b):
    for likert in (1, 2, 3, 4, 5):
        submit(clinic_a, likert=likert)
    submit(clinic_b)

    assert sorted(DirtyBucket.objects.values_list("clinic_id", "local_date")) == sorted(
        [(clinic_a.pk, DAY), (clinic_b.pk, DAY)]
    )
    assert dirty_buckets_drain() == 2
    assert not DirtyBucket.objects.exists()
    assert ResponseRollup.objects.get(clinic=clinic_a).responses == 5


def test_a_bucket_marked_again_during_the_recompute_stays_dirty(submit, clinic_a, monkeypatch):
    submit(clinic_a)
    DirtyBucket.objects.update_or_create(
        clinic=clinic_a, local_date=DAY, defaults={"marked_at": MARCH_10}
    )
    recompute = rollup_services._recompute

    def recompute_while_a_patient_submits(**where):
        recompute(**where)
        # What a concurrent submission's upsert does to the row the drain is working on.
        DirtyBucket.objects.filter(clinic=clinic_a).update(
            marked_at=F("marked_at") + dt.timedelta(seconds=1)
        )

    monkeypatch.setattr(rollup_services, "_recompute", recompute_while_a_patient_submits)
    dirty_buckets_drain()
    assert DirtyBucket.objects.filter(clinic=clinic_a, local_date=DAY).exists()

    monkeypatch.setattr(rollup_services, "_recompute", recompute)
    dirty_buckets_drain()
    assert not DirtyBucket.objects.exists()


def test_rebuild_over_a_range_reports_progress_and_clears_stale_rows(submit, clinic_a):
    submit(clinic_a, at=MARCH_10)
    submit(clinic_a, at=MARCH_10 + dt.timedelta(days=9))
    dirty_buckets_drain()
    Response.objects.filter(local_date=DAY).delete()
    seen = []

    days = rollups_rebuild(days_per_batch=3, progress=lambda done, total: seen.append(done))

    assert days == 10
    assert seen == [3, 6, 9, 10]
    assert list(ResponseRollup.objects.values_list("local_date", "responses")) == [
        (DAY + dt.timedelta(days=9), 1)
    ]


def test_without_a_broker_the_demo_updates_rollups_in_process_on_commit(
    submit, clinic_a, django_capture_on_commit_callbacks
):
    from compassion_portal.celery import app

    # What settings do when REDIS_URL is unset (the demo), whatever this run is configured with.
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submit(clinic_a, likert=5)
    finally:
        app.conf.task_always_eager = saved
    assert not DirtyBucket.objects.exists()
    assert DimensionRollup.objects.get(dimension="empathy").score_sum == 100

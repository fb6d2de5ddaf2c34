"""A real Celery worker on Redis aggregates kiosk submissions into rollups that match pandas."""

import random
import threading
import time

import pandas as pd
import pytest
from celery.signals import before_task_publish

from analytics.models import DimensionRollup, ItemRollup, ResponseRollup
from analytics.tasks import rollups_drain
from feedback.forms import ITEM_PREFIX, NOT_APPLICABLE
from feedback.models import DimensionScore, DirtyBucket, Response
from feedback.services import instrument_definition

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

KEY = ["clinic_id", "local_date", "provider_id", "visit_type", "channel", "language"]


@pytest.fixture
def drains_finished(task_runs):
    return task_runs("analytics.tasks.rollups_drain")


@pytest.fixture
def drains_published():
    published = []

    def record(sender=None, **kwargs):
        if sender == "analytics.tasks.rollups_drain":
            published.append(time.monotonic())

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)


def kiosk_post(client, clinic, definition, rng: random.Random, number: int) -> None:
    data = {"comment": "", "story": "", "story_consent": "", "story_first_name": ""}
    for item in definition.items:
        value = rng.choice(list(item.scale.values) + ([NOT_APPLICABLE] if item.allow_na else []))
        data[ITEM_PREFIX + item.id] = str(value)
    language = rng.choice(definition.languages)
    reply = client.post(
        f"/c/{clinic.slug}/?lang={language}",
        data,
        REMOTE_ADDR=f"10.0.{number // 250}.{number % 250}",
    )
    assert reply.status_code == 302, reply.content[:500]


def pandas_expected(definition) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rollups computed independently by pandas from the raw responses and their scores."""
    responses = pd.DataFrame.from_records(
        Response.objects.values("id", *KEY, "answers", "instrument_id")
    )
    responses["provider_id"] = responses["provider_id"].fillna(0).astype("int64")
    scores = pd.DataFrame.from_records(
        DimensionScore.objects.values(
            "response_id", "dimension", "mean", "score", "answered_items", "top_box_items"
        )
    ).merge(responses, left_on="response_id", right_on="id")
    scores["sq"] = scores["score"] ** 2
    nps = scores["dimension"].eq("recommend")
    scores["promoter"] = (nps & (scores["mean"] >= 9)).astype(int)
    scores["detractor"] = (nps & (scores["mean"] <= 6)).astype(int)
    dimensions = scores.groupby([*KEY, "dimension"]).agg(
        n=("score", "size"),
        score_sum=("score", "sum"),
        score_sumsq=("sq", "sum"),
        answered_items=("answered_items", "sum"),
        top_box_items=("top_box_items", "sum"),
        promoters=("promoter", "sum"),
        detractors=("detractor", "sum"),
    )
    top = {i.id: (i.scale.min if i.reverse else i.scale.max) for i in definition.items}
    answers = (
        responses[[*KEY, "answers"]]
        .assign(answers=responses["answers"].map(lambda a: list(a.items())))
        .explode("answers")
        .dropna(subset=["answers"])
    )
    answers["item"] = answers["answers"].str[0]
    answers["top"] = (answers["answers"].str[1] == answers["item"].map(top)).astype(int)
    items = answers.groupby([*KEY, "item"]).agg(answers=("top", "size"), top_box=("top", "sum"))
    counts = responses.groupby(KEY).agg(responses=("id", "size"))
    return counts, dimensions, items


def rollup_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    frames = []
    for model, extra in (
        (ResponseRollup, []),
        (DimensionRollup, ["dimension"]),
        (ItemRollup, ["item"]),
    ):
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        frame = pd.DataFrame.from_records(model.objects.values(*fields), columns=fields)
        frame["provider_id"] = frame["provider_id"].fillna(0).astype("int64")
        frames.append(frame.set_index([*KEY, *extra]).sort_index())
    return tuple(frames)


def assert_rollups_match(expected, actual) -> None:
    for want, got in zip(expected, actual, strict=True):
        want = want.sort_index()
        got = got[want.columns]
        assert len(got) == len(want)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.2)


def test_worker_aggregates_kiosk_submissions_exactly_as_pandas_does(
    worker, drains_published, drains_finished, client, instrument, clinic_a, clinic_b
):
    definition = instrument_definition(instrument)
    rng = random.Random(20261125)
    started = time.monotonic()
    for number in range(40):
        kiosk_post(client, rng.choice([clinic_a, clinic_b]), definition, rng, number)
    submitting = time.monotonic() - started

    # Coalesced: one task per 5-second window of submissions, not one per submission.
    assert 1 <= len(drains_published) <= 1 + submitting // 5
    wait_until(lambda: drains_finished and not DirtyBucket.objects.exists())
    assert time.monotonic() - started < 60  # visible within a minute
    assert all(
        run.thread != threading.main_thread().name and not run.eager for run in drains_finished
    )  # the worker ran it
    assert Response.objects.count() == 40
    expected = pandas_expected(definition)
    assert_rollups_match(expected, rollup_frames())

    # The same task delivered twice (e.g. a redelivery after a lost ack) changes nothing.
    for bucket in Response.objects.order_by().values("clinic_id", "local_date").distinct():
        DirtyBucket.objects.create(**bucket)
    runs = len(drains_finished)
    for _ in range(2):
        rollups_drain.apply_async(task_id="same-delivery-twice")
    wait_until(lambda: len(drains_finished) >= runs + 2)
    assert not DirtyBucket.objects.exists()
    assert_rollups_match(expected, rollup_frames())

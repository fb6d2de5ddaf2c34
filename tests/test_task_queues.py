"""Every task goes to the queue of its kind of work (settings.CELERY_TASK_ROUTES), by name."""

from django.conf import settings

from analytics.exports.services import EXPORT_TASK
from compassion_portal.celery import app
from feedback.rollup_buckets import ROLLUPS_DRAIN_TASK
from feedback.testimonials import COMMENTS_TASK


def test_every_task_is_routed_to_one_of_the_queues_by_its_name():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if not name.startswith(("celery.", "tests.")))
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in ours}

    assert set(routed) <= set(settings.CELERY_TASK_ROUTES)  # none left to the default queue
    assert set(routed.values()) == set(settings.CELERY_QUEUES_ALL) - {"celery"}
    assert {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} <= set(
        settings.CELERY_QUEUES_ALL
    )
    assert routed[ROLLUPS_DRAIN_TASK] == "aggregation"
    assert routed[EXPORT_TASK] == "exports"
    assert routed[COMMENTS_TASK] == "comments"
    assert routed["feedback.tasks.invitation_send"] == "mail"


def test_a_worker_started_without_queues_consumes_every_queue():
    """What the tests' worker and the demo's single worker do."""
    assert sorted(app.amqp.queues) == sorted(settings.CELERY_QUEUES_ALL)

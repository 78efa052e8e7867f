"""The beat schedule names only tasks that exist, each routed to a queue workers consume."""

from beat_schedule import BEAT_SCHEDULE
from digest.celery_app import QUEUES, create_app
from digest.config import load


def test_every_scheduled_task_is_registered_and_routed_to_a_known_queue():
    app = create_app(load({}, dotenv=False))
    app.loader.import_default_modules()
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"{name}: no task {entry['task']}"
        assert entry["options"]["queue"] in QUEUES, name
        assert app.conf.task_routes[entry["task"]]["queue"] == entry["options"]["queue"], name


def test_the_hourly_tick_and_the_collect_job_are_scheduled():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    expected = {"digest.tick", "digest.collect_due", "digest.resume_stalled", "digest.expire_unconfirmed"}
    assert expected <= tasks

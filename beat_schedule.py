"""The beat schedule: data only (see digest/tasks.py for what each task does)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Fetch every feed that is due (each feed keeps its own next-fetch time and backoff).
    "collect-feeds": {
        "task": "digest.collect_due",
        "schedule": 600.0,
        "options": {"queue": "collect", "expires": 590},
    },
    # Send the daily digest to subscribers whose local send hour has come.
    "hourly-tick": {
        "task": "digest.tick",
        "schedule": crontab(minute=1),
        "options": {"queue": "send", "expires": 3000},
    },
    # Sign-ups never confirmed expire after a week.
    "expire-unconfirmed": {
        "task": "digest.expire_unconfirmed",
        "schedule": crontab(minute=30, hour=3),
        "options": {"queue": "collect", "expires": 3000},
    },
    # Sunsetting (a no-op unless DIGEST_SUNSET_EDITIONS is set).
    "sunset": {
        "task": "digest.sunset",
        "schedule": crontab(minute=45, hour=4),
        "options": {"queue": "collect", "expires": 3000},
    },
    # Re-queue deliveries whose task was lost (Redis restarted mid-send, say).
    "resume-stalled": {
        "task": "digest.resume_stalled",
        "schedule": 300.0,
        "options": {"queue": "send", "expires": 290},
    },
}

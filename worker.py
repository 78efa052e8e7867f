"""The Celery app for ``celery -A worker worker`` and ``celery -A worker beat``."""

from digest.celery_app import create_app

app = create_app()
celery = app

import digest.tasks  # noqa: E402,F401  - registers the tasks on this app

"""The Celery app for ``celery -A worker worker`` and ``celery -A worker beat``."""

import sys

from digest import config
from digest.celery_app import create_app
from digest.errors import ConfigError

try:
    # A bad or missing setting (DIGEST_SECRET_KEY in production, say) stops the worker here,
    # with one line naming the variable, before it takes a single task.
    app = create_app(config.get())
except ConfigError as exc:
    sys.exit(f"digest: {exc}")
celery = app

import digest.tasks  # noqa: E402,F401  - registers the tasks on this app

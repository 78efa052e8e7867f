"""The Telegram bot: readers subscribe, choose topics and send time, and unsubscribe.

``app`` wires the handlers and runs long polling; ``webhook`` serves the same bot behind
an HTTPS URL; ``handlers`` are thin and call the use cases of ``digest.pipeline.bot``;
``keyboards`` builds the menus. ``digest bot`` (``digest.cli.bot``) starts it.
"""

from digest.bot.app import build_application, run_polling
from digest.bot.webhook import webhook_app

__all__ = ["build_application", "run_polling", "webhook_app"]

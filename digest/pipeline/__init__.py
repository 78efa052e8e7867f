"""The use cases: the one layer that ties the pure core to storage and channels.

Celery tasks, the CLI and the web app call these and nothing deeper.
"""

from digest.pipeline.collecting import RefreshResult, due_feed_ids, refresh_feed
from digest.pipeline.delivering import send_batch
from digest.pipeline.outcome import BatchResult
from digest.pipeline.planning import SendPlan, plan_send

__all__ = [
    "BatchResult",
    "RefreshResult",
    "SendPlan",
    "due_feed_ids",
    "plan_send",
    "refresh_feed",
    "send_batch",
]

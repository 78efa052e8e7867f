"""Every table of the schema, in one place (migrations and tests import this).

Tables live beside the functions that use them; each table module registers on the shared
``metadata`` of ``digest.store.tables`` and is imported here.
"""

from digest.store import editorial as _editorial  # noqa: F401 - registers editor actions, audit_log
from digest.store import editors as _editors  # noqa: F401 - registers the editor tables
from digest.store.tables import metadata

__all__ = ["metadata"]

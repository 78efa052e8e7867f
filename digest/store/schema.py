"""Every table of the schema, in one place (migrations and tests import this).

Tables live beside the functions that use them; each table module registers on the shared
``metadata`` of ``digest.store.tables`` and is imported here.
"""

from digest.store.tables import metadata

__all__ = ["metadata"]

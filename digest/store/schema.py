"""Every table of the schema (migrations and tests import this): all of them are defined in
``digest.store.tables`` on its ``metadata``."""

from digest.store.tables import metadata

__all__ = ["metadata"]

"""The ``digest`` command line: a thin layer over ``digest.pipeline`` and ``digest.store``."""

from digest.cli.main import app

__all__ = ["app"]

"""The ``digest`` command line: a thin layer over ``digest.pipeline``."""

from digest.cli.main import app

__all__ = ["app"]

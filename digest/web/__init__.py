"""The web app for subscribers and providers (FastAPI): ``create_app(settings)``."""

from digest.web.app import create_app

__all__ = ["create_app"]

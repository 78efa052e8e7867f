"""The web app (FastAPI): ``create_app(settings)``.

``create_app`` is imported on first use, so that importing the package (the CLI's ``digest web``
command does) does not pull FastAPI into every command's start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from digest.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from digest.web.app import create_app

        return create_app
    raise AttributeError(name)

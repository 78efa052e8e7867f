"""Where the bundled templates are, installed or checked out.

The templates live at the top of the repository (``templates/``); the wheel maps that folder
into the package as ``digest/templates`` (pyproject's ``package-dir``), so an installed
digest finds them through ``importlib.resources``. A checkout (or an editable install, whose
``digest`` is the source folder) has no ``digest/templates`` and uses the top-level folder.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["templates_dir"]


def templates_dir() -> Path:
    """The folder of the bundled templates (``email/edition.html``, ``web/editor/editor.js`` …)."""
    installed = resources.files("digest") / "templates"
    if isinstance(installed, Path) and installed.is_dir():
        return installed
    checkout = Path(str(resources.files("digest"))).parent / "templates"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"digest's templates are missing: neither {installed} nor {checkout} exists (a broken install?)"
    )

"""pyproject lists digest's packages by hand (so the top-level templates/ can be mapped into the
wheel as digest/templates): a new package folder missing from the list would be left out of
the wheel, and only an installed run would notice."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_every_package_folder_of_digest_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "digest").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"
    assert listed - found == {"digest.templates"}, "a listed package has no folder"


def test_the_templates_ship_inside_the_package_under_the_names_the_code_asks_for():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"]["digest.templates"] == "templates"
    assert (ROOT / "templates" / "email" / "edition.html").is_file()
    assert (ROOT / "templates" / "web" / "editor" / "editor.js").is_file()

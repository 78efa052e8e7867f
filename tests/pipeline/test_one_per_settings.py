"""The renderer and the channels are built once per settings and reused: the settings are
frozen, so equal settings share them and changed settings get their own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from digest.pipeline.delivering import channel_for
from digest.pipeline.planning import renderer_for
from tests.conftest import make_settings


def test_equal_settings_share_one_renderer_and_changed_settings_get_another(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path)
    again = make_settings("sqlite://", tmp_path)  # loaded twice: another object, equal values
    moved = dataclasses.replace(settings, public_url="https://elsewhere.example.org")

    assert settings is not again
    assert renderer_for(settings) is renderer_for(again)
    assert renderer_for(moved) is not renderer_for(settings)


def test_each_channel_is_built_once_per_settings(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path)
    elsewhere = make_settings("sqlite://", tmp_path / "other")

    assert channel_for("email", settings) is channel_for("email", make_settings("sqlite://", tmp_path))
    assert channel_for("telegram", settings) is not channel_for("email", settings)
    assert channel_for("email", elsewhere) is not channel_for("email", settings)

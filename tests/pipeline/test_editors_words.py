"""An editor's note, subject and preheader for a list's next editions."""

from __future__ import annotations

import json
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from digest import pipeline
from digest.pipeline import editors_words
from digest.pipeline.planning import UnknownList
from tests.pipeline.conftest import NOW
from tests.pipeline.test_send import kyiv, send_all

NOTE = "Good morning. Our reporters spent the night in Kharkiv: read their dispatch first."


def sent_email(settings, edition_id: int):
    (path,) = (Path(settings.outbox_dir) / "email" / str(edition_id)).glob("*.eml")
    return message_from_bytes(path.read_bytes(), policy=default)


def sent_telegram(settings, edition_id: int) -> str:
    files = sorted((Path(settings.outbox_dir) / "telegram" / str(edition_id)).glob("*.json"))
    return " ".join(json.loads(f.read_text())["text"] for f in files)


def test_the_note_subject_and_preheader_go_out_in_email_and_telegram(world, settings):
    world.add_items(4)
    world.subscribe(kyiv(1))
    editors_words.set_words(
        settings,
        "daily",
        actor="editor",
        note=NOTE,
        subject="Kharkiv at night",
        preheader="A dispatch",
        now=NOW - timedelta(hours=1),
    )

    plan = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)

    message = sent_email(settings, plan.edition_id)
    assert message["Subject"] == "Kharkiv at night"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Our reporters spent the night in Kharkiv" in html and "A dispatch" in html
    assert "Our reporters spent the night in Kharkiv" in " ".join(text.split())
    assert "Our reporters spent the night in Kharkiv" in sent_telegram(settings, plan.edition_id)


def test_words_that_have_expired_are_not_used(world, settings):
    world.add_items(4)
    world.subscribe(kyiv(1))
    editors_words.set_words(
        settings,
        "daily",
        actor="editor",
        note=NOTE,
        subject="Old news",
        until=NOW - timedelta(minutes=1),
        now=NOW - timedelta(hours=2),
    )

    plan = send_all(pipeline.plan_send("daily", settings, now=NOW), settings)

    message = sent_email(settings, plan.edition_id)
    assert message["Subject"] != "Old news"
    assert "Our reporters" not in message.get_body(preferencelist=("html",)).get_content()


def test_setting_one_part_keeps_the_others(world, settings):
    world.subscribe(kyiv(1))
    editors_words.set_words(settings, "daily", actor="a", note=NOTE, now=NOW)
    editors_words.set_words(settings, "daily", actor="b", subject="Kharkiv at night", now=NOW)

    current = editors_words.words(settings, "daily", now=NOW)

    assert current is not None
    assert (current.words.note, current.words.subject, current.words.preheader) == (
        NOTE,
        "Kharkiv at night",
        "",
    )
    assert current.until == NOW + editors_words.DEFAULT_FOR


def test_clearing_every_part_leaves_the_automatic_subject(world, settings):
    world.subscribe(kyiv(1))
    editors_words.set_words(settings, "daily", actor="a", subject="Kharkiv", now=NOW)
    editors_words.set_words(settings, "daily", actor="a", subject="", now=NOW)
    assert editors_words.words(settings, "daily", now=NOW) is None


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("subject", "Two\r\nlines", "line breaks"),
        ("note", "bell\x07", "control characters"),
        ("subject", "x" * 151, "at most 150"),
        ("note", "x" * 601, "at most 600"),
    ],
)
def test_bad_words_are_refused_naming_the_field(world, settings, field, value, problem):
    world.subscribe(kyiv(1))
    with pytest.raises(editors_words.InvalidWords) as caught:
        editors_words.set_words(settings, "daily", actor="a", now=NOW, **{field: value})
    assert caught.value.field == field and problem in caught.value.problem
    assert editors_words.words(settings, "daily", now=NOW) is None


def test_an_unknown_list_is_named(settings):
    with pytest.raises(UnknownList, match="weekly"):
        editors_words.set_words(settings, "weekly", actor="a", note=NOTE)


def test_the_preview_shows_the_words_readers_will_get(world, settings):
    from digest.pipeline.preview import preview_edition

    world.add_items(3)
    world.subscribe(kyiv(1))
    editors_words.set_words(settings, "daily", actor="a", note=NOTE, subject="Kharkiv at night", now=NOW)

    preview = preview_edition("daily", settings, now=NOW + timedelta(hours=1))

    assert preview.rendered.subject == "Kharkiv at night"
    assert "Our reporters spent the night in Kharkiv" in preview.rendered.html

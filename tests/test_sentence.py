"""An error's message as a sentence for a page (digest.sentence)."""

from __future__ import annotations

import pytest

from digest.sentence import as_sentence


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("no list named 'weekly'", "No list named 'weekly'."),
        ("already a sentence.", "Already a sentence."),
        ("", "."),
        (ValueError("the feed answered 500"), "The feed answered 500."),
    ],
)
def test_a_message_gets_a_capital_and_one_full_stop(said, shown):
    assert as_sentence(said) == shown

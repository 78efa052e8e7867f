"""Headline meaning: the shipped word embeddings, read from the installed wheel, never downloaded."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest

from digest.cluster import ClusterOptions, cluster_texts_explained, meaning
from digest.cluster.meaning import DIMENSIONS, MeaningModelMissing, embed

SAME_EVENT = (
    "Russian missiles hit Kyiv overnight, three killed",
    "Explosions shake Ukraine's capital as missile attack kills three",
)
OTHER = "Ukrainian documentary wins top prize at film festival"


def test_paraphrases_of_one_event_are_closer_than_a_different_story() -> None:
    a, b, c = embed([*SAME_EVENT, OTHER])
    assert a @ b > a @ c + 0.2 and a @ b > b @ c + 0.2


def test_rows_are_unit_length_and_an_empty_text_is_a_zero_row() -> None:
    rows = embed(["", "Kyiv", "   ", "Heating season starts early in Lviv"])
    assert rows.shape == (4, DIMENSIONS) and rows.dtype == np.float32
    norms = np.linalg.norm(rows, axis=1)
    assert norms[0] == 0 and norms[2] == 0
    assert norms[1] == pytest.approx(1.0, abs=1e-5) and norms[3] == pytest.approx(1.0, abs=1e-5)


def test_the_embedding_is_the_packages_own_mean_pooling() -> None:
    """The same vectors WordLlama itself gives (its mean pooling, truncated), read without its loader."""
    texts = [*SAME_EVENT, OTHER, "Zelensky meets Macron in Paris"]
    tokenizer, table = meaning._model()
    expected = []
    for text in texts:
        ids = tokenizer.encode(text, add_special_tokens=False).ids
        mean = table[ids].mean(axis=0)
        expected.append(mean / np.linalg.norm(mean))
    np.testing.assert_allclose(embed(texts), np.asarray(expected), atol=1e-5)


def test_nothing_is_downloaded_and_wordllama_is_never_imported() -> None:
    """Its import sets up root logging and its loader downloads: a fresh process uses neither."""
    code = (
        "import logging, socket, sys\n"
        "def refuse(*a, **k): raise SystemExit('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from digest.cluster.meaning import embed\n"
        "assert embed(['Kyiv under attack']).shape[0] == 1\n"
        "assert 'wordllama' not in sys.modules, 'wordllama was imported'\n"
        "assert not logging.getLogger().handlers, 'root logging was configured'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    meaning._model.cache_clear()
    try:
        with pytest.raises(MeaningModelMissing, match="'wordllama' package is not installed"):
            embed(["Kyiv"])
    finally:
        monkeypatch.undo()
        meaning._model.cache_clear()


def test_a_share_of_meaning_joins_reports_that_share_few_words() -> None:
    """Lexically the two reports are apart at this threshold; their meaning brings them together."""
    texts = [*SAME_EVENT, OTHER]
    times = [0.0, 0.0, 0.0]
    words_only = ClusterOptions(threshold=0.4, embed_weight=0.0)
    with_meaning = ClusterOptions(threshold=0.4, embed_weight=0.6)
    assert cluster_texts_explained(texts, times, ["a", "b", "c"], words_only)[0] == [0, 1, 2]
    labels, why = cluster_texts_explained(texts, times, ["a", "b", "c"], with_meaning)
    assert labels == [0, 0, 2]
    reason = why[1]
    assert reason is not None
    parts = {part.name: part for part in reason.parts}
    assert set(parts) == {"title and summary words", "character n-grams", "meaning (word embeddings)"}
    assert sum(part.weight for part in parts.values()) == pytest.approx(1.0)
    assert parts["meaning (word embeddings)"].similarity > parts["title and summary words"].similarity


def test_a_process_forked_after_embedding_still_embeds() -> None:
    """Celery's prefork pool forks workers from a parent that may have clustered already."""
    code = (
        "import os, sys\n"
        "from digest.cluster.meaning import embed\n"
        "embed(['Kyiv under attack', 'Heating season starts early'] * 50)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    rows = embed(['Black Sea corridor holds'] * 50)\n"
        "    os._exit(0 if rows.shape == (50, 128) else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

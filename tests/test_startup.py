"""Production mode: a worker, beat or web process without DIGEST_SECRET_KEY refuses to start
(one line naming the variable, no traceback) instead of signing links no other machine verifies."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.helpers import VENV_BIN, environment

# Nothing listens there: the process must stop on the setting before it tries to connect.
PRODUCTION = {"DIGEST_BROKER_URL": "redis://127.0.0.1:1/0", "DIGEST_DATABASE_URL": "sqlite:///unused.db"}


@pytest.mark.parametrize(
    "command",
    [
        ["celery", "-A", "worker", "worker", "--loglevel=INFO"],
        ["celery", "-A", "worker", "beat"],
        ["digest", "web", "--port", "1"],
    ],
    ids=["worker", "beat", "web"],
)
def test_a_process_without_the_signing_key_refuses_to_start_in_production(command, tmp_path):
    done = subprocess.run(
        [str(VENV_BIN / command[0]), *command[1:]],
        env=environment(**PRODUCTION),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "DIGEST_SECRET_KEY" in done.stderr and "production" in done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "var" / "secret_key").exists(), "a per-machine key was generated"

"""Installed, not checked out: the wheel, installed into a fresh virtual environment, runs the
README's production runbook from a folder that holds no source — migrate PostgreSQL, a Celery
worker, beat and the web app, the sample feeds collected, one edition sent, its web view and the
editors' sign-in page served.

The fresh venv gets the wheel with ``--no-deps``; its dependencies come from the test venv's
site-packages through a ``.pth`` line (which adds the folder, not the editable install of the
checkout that lives there: ``.pth`` files of an added folder are not run), so the test needs no
network and ``digest`` is the wheel's.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from digest.config import parsers
from tests.conftest import REDIS_PREFIX, ROOT
from tests.faults.infra import free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "test-artifacts", ".*_cache"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the wheel built from a copy of the checkout; returns its bin folder."""
    work = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, work / "src", ignore=NOT_SOURCE)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), work / "src"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if built.returncode != 0 and "No matching distribution" in built.stderr:
        pytest.skip("no package index to fetch the build requirement (setuptools) from")
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (work / "dist").glob("digest-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(
        subprocess.check_output(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (purelib / "zz-test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # The celery command of the README, run by this venv's interpreter (its own console script
    # lives in the test venv, whose shebang would load the checkout).
    celery = venv / "bin" / "celery"
    celery.write_text(f"#!{venv / 'bin' / 'python'}\nfrom celery.__main__ import main\nmain()\n")
    celery.chmod(0o755)
    return venv / "bin"


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    base = os.environ.get("DIGEST_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    admin = create_engine(parsers.database_url(base), isolation_level="AUTOCOMMIT")
    name = f"digest_wheel_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no PostgreSQL here
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_installed_wheel_runs_the_production_runbook_from_a_folder_without_source(
    installed, postgres_database, redis_url, tmp_path
):
    here = tmp_path / "host"
    here.mkdir()
    port = free_port()
    env = _production_env(installed, postgres_database, redis_url, port)
    where = _run(
        installed / "python",
        "-c",
        "import digest, worker; print(digest.__file__, worker.__file__)",
        env=env,
        cwd=here,
    )
    assert str(ROOT) not in where and str(installed.parent) in where, f"not the wheel's digest: {where}"

    # The README's runbook ("Running in production"), command for command.
    _run(installed / "digest", "migrate", env=env, cwd=here)
    _run(
        installed / "digest",
        "accounts",
        "add",
        "admin@example.org",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        cwd=here,
        stdin="a long enough passphrase\n",
    )
    with (
        _started(
            installed / "celery",
            "-A",
            "worker",
            "worker",
            "-Q",
            "breaking,collect,send",
            "-c",
            "2",
            "--loglevel=INFO",
            env=env,
            cwd=here,
            log=tmp_path / "worker.log",
            ready="ready.",
        ),
        _started(
            installed / "celery",
            "-A",
            "worker",
            "beat",
            env=env,
            cwd=here,
            log=tmp_path / "beat.log",
            ready="is starting",
        ),
        _started(
            installed / "digest",
            "web",
            "--port",
            str(port),
            env=env,
            cwd=here,
            log=tmp_path / "web.log",
            ready="Uvicorn running",
        ),
    ):
        # The check of a new install: sample feeds collected, one edition sent (to the outbox).
        demo = _run(installed / "digest", "demo", env=env, cwd=here, timeout=240)
        emails = sorted((here / "var" / "outbox" / "email").rglob("*.eml"))
        assert emails, f"no email was sent:\n{demo}"
        edition = emails[0].parent.name
        health = _get(port, "/healthz")
        view = _get(port, f"/editions/{edition}")
        login = _get(port, "/admin/login")
        script = _get(port, "/admin/static/editor.js")
    log = (tmp_path / "worker.log").read_text()
    assert "digest.refresh_feed" in log and "digest.send_batch" in log, "the worker did not do the work"
    assert json.loads(health) == {"database": "ok", "broker": "ok"}
    assert "The Wheel Gazette" in view and "</html>" in view.lower()
    assert 'name="password"' in login and "csrf" in login.lower()
    assert script.strip(), "editor.js is empty"
    assert not list(here.rglob("*.py")), "the folder the runbook ran in holds source"


def _production_env(bin_dir: Path, database_url: str, redis_url: str, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DIGEST_", "SENDGRID_", "TELEGRAM_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        DIGEST_DATABASE_URL=database_url,
        DIGEST_BROKER_URL=redis_url,
        DIGEST_REDIS_PREFIX=f"{REDIS_PREFIX}wheel:",
        DIGEST_SECRET_KEY="wheel-test-shared-key",
        DIGEST_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DIGEST_NEWSROOM_NAME="The Wheel Gazette",
        PYTHONUNBUFFERED="1",  # beat prints its banner to a pipe: seen at once, not at exit
    )
    return env


def _run(
    *command: object, env: dict[str, str], cwd: Path, stdin: str | None = None, timeout: float = 120
) -> str:
    done = subprocess.run(
        [str(c) for c in command],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{command[0]} {command[1:]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@contextmanager
def _started(*command: object, env: dict[str, str], cwd: Path, log: Path, ready: str) -> Iterator[None]:
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(c) for c in command],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while ready not in log.read_text(errors="replace"):
                assert process.poll() is None, f"{command[0]} exited:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"{command[0]} not ready:\n{log.read_text()}"
                time.sleep(0.2)
            yield
        finally:
            if process.poll() is None:
                os.killpg(process.pid, 15)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, 9)
                    process.wait(timeout=10)


def _get(port: int, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        assert response.status == 200, path
        return str(response.read().decode("utf-8"))

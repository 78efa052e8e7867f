"""Hosts of a partition test: network namespaces joined to this one by veth pairs, and a Redis
and a PostgreSQL of the test's own that listen on the veth addresses only.

Host ``n`` lives in namespace ``<tag>h<n>``; its side of the link is ``10.<net>.<n>.2``, ours
``10.<net>.<n>.1``. ``cut(n)`` takes our side of its link down (nothing passes either way, as
when a switch port dies) and ``restore(n)`` brings it back. Everything is removed afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from tests.faults.infra import free_port


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


class Network:
    def __init__(self, hosts: int) -> None:
        self.tag = f"dg{os.getpid() % 10000}{random.randrange(100):02d}"
        self.net = random.randrange(100, 250)
        self.hosts = hosts
        self.made: list[int] = []

    def ours(self, host: int) -> str:
        """Our address on host ``host``'s link: where the services listen."""
        return f"10.{self.net}.{host}.1"

    def namespace(self, host: int) -> str:
        return f"{self.tag}h{host}"

    def _link(self, host: int) -> str:
        return f"{self.tag}v{host}"

    def up(self) -> Network:
        for host in range(1, self.hosts + 1):
            ns, link = self.namespace(host), self._link(host)
            _ip("netns", "add", ns)
            self.made.append(host)
            _ip("link", "add", link, "type", "veth", "peer", "name", f"{link}p")
            _ip("link", "set", f"{link}p", "netns", ns)
            _ip("addr", "add", f"{self.ours(host)}/24", "dev", link)
            _ip("link", "set", link, "up")
            _ip("-n", ns, "addr", "add", f"10.{self.net}.{host}.2/24", "dev", f"{link}p")
            _ip("-n", ns, "link", "set", f"{link}p", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        return self

    def cut(self, host: int) -> None:
        _ip("link", "set", self._link(host), "down")

    def restore(self, host: int) -> None:
        _ip("link", "set", self._link(host), "up")
        _ip("-n", self.namespace(host), "link", "set", f"{self._link(host)}p", "up")

    def down(self) -> None:
        for host in self.made:
            # Whatever this test started in the namespace and left running goes with it.
            left = subprocess.run(
                ["ip", "netns", "pids", self.namespace(host)], capture_output=True, text=True, timeout=10
            ).stdout.split()
            for pid in left:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            subprocess.run(["ip", "link", "del", self._link(host)], capture_output=True, timeout=10)
            subprocess.run(["ip", "netns", "del", self.namespace(host)], capture_output=True, timeout=10)

    def addresses(self) -> list[str]:
        return [self.ours(host) for host in range(1, self.hosts + 1)]


@contextmanager
def network(hosts: int) -> Iterator[Network]:
    """``hosts`` namespaces, or a skip saying why they cannot be made here."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and the ip command")
    made = Network(hosts)
    try:
        made.up()
    except subprocess.CalledProcessError as exc:
        made.down()
        pytest.skip(f"cannot make network namespaces here: {exc.stderr.decode(errors='replace').strip()}")
    try:
        yield made
    finally:
        made.down()


@contextmanager
def redis_on(addresses: list[str]) -> Iterator[int]:
    """A redis-server listening on these addresses only; yields its port."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    folder = tempfile.mkdtemp(prefix="digest-partition-redis-")
    process = subprocess.Popen(
        [
            binary,
            "--bind",
            " ".join(addresses),
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "no",
            "--dir",
            folder,
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host=addresses[-1], port=port, socket_connect_timeout=0.2)
        _until(lambda: client.ping(), redis.ConnectionError)
        client.close()
        yield port
    finally:
        process.kill()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_on(addresses: list[str]) -> Iterator[int]:
    """A throwaway PostgreSQL cluster (initdb + pg_ctl, run as the postgres user) listening on
    these addresses only, trusting them; yields its port."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        owner = None
    if not binaries or owner is None or shutil.which("runuser") is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) and postgres user to run them")
    bin_dir = Path(binaries[-1]).parent
    folder = Path(tempfile.mkdtemp(prefix="digest-partition-pg-"))
    os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", free_port()

    def as_postgres(*command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120
        )

    try:
        as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        with (data / "pg_hba.conf").open("a") as hba:
            hba.writelines(f"host all all {a.rsplit('.', 2)[0]}.0.0/16 trust\n" for a in addresses[:1])
        options = (
            f"-c listen_addresses={','.join(addresses)} -p {port} -c unix_socket_directories={folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        as_postgres(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"
        )
        yield port
    finally:
        subprocess.run(
            [
                "runuser",
                "-u",
                "postgres",
                "--",
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


def _until(probe, *errors: type[Exception], timeout: float = 10) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            probe()
            return
        except errors:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)

"""The address policy on its own: which addresses are public, what the allowlist opens."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

from digest.collect import ssrf


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("127.5.5.5", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),  # carrier-grade NAT
        ("169.254.169.254", False),
        ("fd00:ec2::254", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("0.0.0.0", False),
        ("::", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("ff02::1", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert ssrf.is_public(ipaddress.ip_address(address)) is public


def _dns(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> None:
    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        family = socket.AF_INET6 if ":" in addresses[0] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("addresses", "allowlist", "allowed"),
    [
        (["93.184.216.34"], (), True),
        (["10.0.0.5"], (), False),
        (["10.0.0.5"], ("10.0.0.0/8",), True),
        (["10.0.0.5"], ("10.0.0.5",), True),
        (["10.0.0.5"], ("intranet.example",), True),
        (["10.0.0.5"], ("INTRANET.example.",), True),
        (["10.0.0.5"], ("other.example", "192.168.0.0/16"), False),
        (["93.184.216.34", "10.0.0.5"], (), False),  # one private answer spoils the host
        (["169.254.169.254"], ("169.254.0.0/16",), False),  # a range never opens metadata
        (["169.254.169.254"], ("169.254.169.254",), True),
        (["fe80::1%eth0"], ("fe80::/10",), True),
    ],
)
def test_resolve_applies_the_allowlist(
    monkeypatch: pytest.MonkeyPatch, addresses: list[str], allowlist: tuple[str, ...], allowed: bool
) -> None:
    _dns(monkeypatch, *addresses)
    if allowed:
        assert ssrf.resolve("intranet.example", 80, allowlist)
    else:
        with pytest.raises(ssrf.RefusedAddressError, match="resolves to private address"):
            ssrf.resolve("intranet.example", 80, allowlist)

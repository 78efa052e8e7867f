"""Which addresses a feed fetch may connect to (server-side request forgery guard).

A feed URL is typed by an editor or found in an OPML file, and a redirect can point
anywhere, so every hop is resolved and refused when any of its addresses is not a
public unicast one: loopback, private, link-local, multicast, reserved, unspecified,
shared (CGNAT) and the cloud metadata endpoints. ``allowlist`` entries — host names,
addresses or CIDR ranges — lift the refusal (local test servers, an intranet feed).

``resolve`` returns the addresses it checked so the caller can connect to exactly
those (see ``digest.collect.transport``): checking a name and then letting the HTTP
library resolve it again would leave room for DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

__all__ = ["RefusedAddressError", "is_public", "resolve"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Metadata services answer on link-local or ULA addresses, already refused as such;
# they are named here so that an allowlisted range such as fd00::/8 cannot expose them.
METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, DigitalOcean …
        ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    }
)


class RefusedAddressError(Exception):
    """The host resolves to an address feeds may not use; mapped to FetchError by fetch."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_public(ip: IPAddress) -> bool:
    """True for a global unicast address that is not a metadata endpoint."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    return ip.is_global and not ip.is_multicast and not ip.is_reserved and ip not in METADATA


def _permits(allowlist: Iterable[str], host: str, ip: IPAddress) -> bool:
    for entry in allowlist:
        entry = entry.strip().lower().rstrip(".")
        if entry == host:
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue  # a host name, and not this one
        # A range opens a metadata endpoint only when it is that one address.
        exact = network.prefixlen == network.max_prefixlen
        if ip.version == network.version and ip in network and (exact or ip not in METADATA):
            return True
    return False


def resolve(host: str, port: int, allowlist: Iterable[str] = ()) -> list[str]:
    """Resolve ``host`` and return its addresses, or raise RefusedAddressError.

    One refused address refuses the host: a name that resolves to both a public and a
    private address is an attack, not a load balancer. ``socket.gaierror`` (no such
    host) propagates; it is a network failure, not a refusal.
    """
    host = host.lower().rstrip(".").strip("[]")
    allowlist = tuple(allowlist)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if not is_public(ip) and not _permits(allowlist, host, ip):
            raise RefusedAddressError(f"refused: {host} resolves to private address {ip}")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    return addresses

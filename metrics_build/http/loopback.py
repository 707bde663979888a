"""Which hosts count as this machine: the only ones plain http (and the emulator) may use.

No name is trusted as such: `localhost` and `*.localhost` are loopback by RFC 6761, but a resolver
may be told otherwise (an /etc/hosts entry, a search domain), so a name counts only when every
address it resolves to is a loopback address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

Resolver = Callable[[str], Iterable[str]]
"""Turns a host name into its addresses (the seam tests use instead of the system resolver)."""


def system_addresses(host: str) -> list[str]:
    """Every address `host` resolves to on this machine (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def is_loopback_host(host: str, resolve: Resolver = system_addresses) -> bool:
    """True when `host` is a loopback address (127.0.0.0/8, ::1), or a name whose every address is one.

    Args:
        host: An address (IPv6 may be in brackets) or a host name.
        resolve: Turns a name into addresses (the system resolver unless given).
    """
    host = host.strip().strip("[]").rstrip(".")
    if not host or "%" in host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    addresses = [a.split("%", 1)[0] for a in resolve(host)]
    try:
        return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)
    except ValueError:
        return False


__all__ = ["Resolver", "is_loopback_host", "system_addresses"]

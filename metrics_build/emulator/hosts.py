"""Which hosts the emulator may listen on: only names and addresses that resolve to loopback.

`localhost` and `*.localhost` are not trusted by name: a resolver may map them anywhere, so every
address a name resolves to must be a loopback address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable

Resolver = Callable[[str], Iterable[str]]


def system_addresses(host: str) -> list[str]:
    """Every address `host` resolves to on this machine (empty when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return [str(info[4][0]) for info in infos]


def is_loopback(host: str, resolve: Resolver = system_addresses) -> bool:
    """True when `host` is a loopback address, or a name whose every address is loopback.

    Args:
        host: An address (IPv6 may be in brackets) or a host name.
        resolve: Turns a name into addresses (the system resolver unless given).
    """
    host = host.strip().strip("[]")
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


__all__ = ["Resolver", "is_loopback", "system_addresses"]

"""Which hosts count as this machine: the only ones plain http (and the emulator) may use."""

from __future__ import annotations

import ipaddress
import socket

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


def _is_loopback_address(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def is_loopback_host(host: str, *, resolve: bool = True) -> bool:
    """True for `localhost`, loopback addresses (127.0.0.0/8, ::1), and `*.localhost` names that
    resolve to loopback addresses only.

    A `*.localhost` name is loopback by RFC 6761, but a resolver can be told otherwise (an /etc/hosts
    entry, a search domain); such a name counts only when every address it resolves to is loopback.
    With `resolve=False` it never counts.
    """
    host = host.strip("[]").rstrip(".").lower()
    if host in _LOOPBACK_NAMES or _is_loopback_address(host):
        return True
    if not host.endswith(".localhost") or not resolve:
        return False
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(_is_loopback_address(a) for a in addresses)


__all__ = ["is_loopback_host"]

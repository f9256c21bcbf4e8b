"""Whether a webhook subscriber's address is on the public internet.

Anyone who can run ``/liaison`` can subscribe a webhook, and every public update is then
posted to it from the server: an address inside the company network (cloud metadata at
169.254.169.254, an admin port on localhost) would let a Slack user make the server call
it. Such addresses are refused unless ``STATUS_WEBHOOKS_ALLOW_PRIVATE`` says the
receiver is meant to be internal. The name is resolved when subscribing and again before
each delivery, so a name that later points inside is not followed either.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressUnresolved(Exception):
    """The host name did not resolve (now): nothing can be said about it yet."""


def internal_addresses(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to that are not public (empty: all public).

    Raises AddressUnresolved when the name does not resolve.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError) as exc:
        raise AddressUnresolved(host) from exc
    addresses = sorted({str(info[4][0]) for info in found})
    return [a for a in addresses if not _public(a)]


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast

"""Which peer is a trusted proxy, who the client is behind it, and whether it came over HTTPS."""

from __future__ import annotations

import ipaddress

from ..setting_values import Network  # KB_TRUSTED_PROXIES is parsed into these by kb.config


def is_trusted(address: str | None, networks: tuple[Network, ...]) -> bool:
    if not address or not networks:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(remote_addr: str | None, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    """The client: the peer, or behind trusted proxies the rightmost X-Forwarded-For entry they did not add."""
    address = remote_addr or "unknown"
    if not is_trusted(address, networks) or not forwarded_for:
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not is_trusted(hop, networks):
            return hop
        address = hop
    return address


def came_over_https(is_secure: bool, remote_addr: str | None, forwarded_proto: str | None, networks: tuple[Network, ...]) -> bool:
    if is_secure:
        return True
    return bool(forwarded_proto) and is_trusted(remote_addr, networks) and forwarded_proto.split(",")[0].strip().lower() == "https"

"""Which address a request comes from. ``X-Forwarded-For`` is believed only from a
trusted proxy (``CASETRAIL_TRUSTED_PROXIES``, CIDRs): the client is then the
right-most address in it that is not itself a trusted proxy."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from starlette.requests import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@dataclass(frozen=True)
class TrustedProxies:
    """The networks whose ``X-Forwarded-For`` is believed (none by default)."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, setting: str) -> TrustedProxies:
        """From ``"10.0.0.0/8, 127.0.0.1"``: CIDRs or addresses, comma separated."""
        try:
            return cls(
                tuple(ipaddress.ip_network(p.strip()) for p in setting.split(",") if p.strip())
            )
        except ValueError as error:
            raise ValueError(f"CASETRAIL_TRUSTED_PROXIES: {error}") from None

    def trusts(self, address: str) -> bool:
        """Whether ``address`` is one of the trusted proxies."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, request: Request) -> str:
        """The address of the client behind any trusted proxies."""
        peer = request.client.host if request.client else UNKNOWN
        if not self.trusts(peer):
            return peer
        forwarded = [
            hop.strip()
            for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",")
            if hop.strip()
        ]
        for hop in reversed(forwarded):
            if not self.trusts(hop):
                return _normalised(hop)
        return peer


def _normalised(address: str) -> str:
    """An address in its canonical form (an unparsable one is kept, bounded, as given)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address[:64] or UNKNOWN

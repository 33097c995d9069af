"""Where a subscriber's URL leads: its host resolved, each address checked (SSRF).

Checked at registration and again before every delivery, and the delivery connects to
the address checked here (no second lookup a DNS answer could change in between).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import InvalidCommand
from domain.webhooks import checked_url, refused_address

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """A subscriber's URL and the address to connect to for it."""

    url: str
    scheme: str
    host: str
    address: str

    def connect_url(self) -> str:
        """The URL with its host replaced by the checked address (the ``Host`` header and
        TLS server name stay the host's)."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if ":" in self.address else self.address
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        return parts._replace(netloc=netloc).geturl()

    def host_header(self) -> str:
        """The ``Host`` header: the URL's own host and port."""
        return urlsplit(self.url).netloc


def resolve(url: str, *, allow_private: bool) -> Target:
    """Check ``url`` and resolve its host; ``InvalidCommand`` if it is malformed, does
    not resolve, or (unless ``allow_private``) any of its addresses is not public."""
    scheme, host = checked_url(url)
    port = urlsplit(url).port or DEFAULT_PORTS[scheme]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidCommand(f"the url's host {host} does not resolve: {error}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not allow_private:
        for address in addresses:
            reason = refused_address(address)
            if reason is not None:
                raise InvalidCommand(
                    f"the url's host {host} resolves to {reason}: refused (a subscriber on "
                    "the hall's own network needs CASETRAIL_WEBHOOKS_ALLOW_PRIVATE=true)"
                )
    if not addresses:
        raise InvalidCommand(f"the url's host {host} has no address")
    return Target(url=url, scheme=scheme, host=host, address=addresses[0])

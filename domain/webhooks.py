"""Webhook subscriptions: which events a subscriber gets, what its body holds, when a
failed delivery is tried again, and which addresses it may never reach.

Pure policy, shared by the API (registration) and the delivery process
(``consumers.webhooks``): nothing here looks anything up or opens a connection.
"""

from __future__ import annotations

import ipaddress
import random
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from domain.errors import InvalidCommand
from domain.personal_data import mask_name

SECRET_PREFIX = "whsec_"
SCHEMES = ("http", "https")
MAX_URL_LENGTH = 2048
_VERSION = re.compile(r"\.v\d+$")
# what an applicant object keeps in a webhook body: never a sealed blob, the keyed hash
# of an ID number, or (in events recorded before sealing) the applicant in clear
_PUBLIC_APPLICANT_FIELDS = ("kind", "display_name", "public_id")
# free text an applicant wrote: sealed (``sealed_comment``), or in clear before sealing
_APPLICANT_TEXT_FIELDS = ("sealed_comment", "comment")


def unversioned(event_type: str) -> str:
    """An event type without its ``.vN`` (``casetrail.case.accepted.v1`` →
    ``casetrail.case.accepted``)."""
    return _VERSION.sub("", event_type)


def matches(
    event_type: str,
    department: str | None,
    *,
    event_types: Sequence[str],
    departments: Sequence[str],
) -> bool:
    """Whether a subscription with these filters (an empty list: all) gets an event of
    ``event_type`` about ``department`` (None: no department, which only a subscription
    to every department gets). A filter type with its ``.vN`` names that version only;
    without, every version."""
    if event_types and not any(t in (event_type, unversioned(event_type)) for t in event_types):
        return False
    return not departments or department in departments


def retry_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    draw: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait before trying again after ``attempts`` failures (1, 2, …):
    exponential back-off, ``base`` doubled each time up to ``cap``, with full jitter
    (a uniform draw from 0 to that), so failed subscribers' retries spread out."""
    if attempts < 1:
        raise ValueError("a retry follows at least one failure")
    ceiling = min(cap, base * 2 ** (attempts - 1))
    return draw(0.0, ceiling)


def checked_url(url: str) -> tuple[str, str]:
    """A subscriber's URL, checked for its form: http(s), a host, no credentials, no
    fragment; its scheme and host (an IP literal without brackets). ``InvalidCommand``
    otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidCommand(f"the url is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as error:
        raise InvalidCommand(f"the url is malformed: {error}") from None
    if parts.scheme not in SCHEMES:
        raise InvalidCommand("the url must be http or https")
    if not parts.hostname:
        raise InvalidCommand("the url has no host")
    if parts.username is not None or parts.password is not None:
        raise InvalidCommand("the url may not carry credentials (the signature authenticates)")
    if parts.fragment:
        raise InvalidCommand("the url may not have a fragment")
    return parts.scheme, parts.hostname


def refused_address(address: str) -> str | None:
    """Why a subscriber may not be reached at IP ``address`` (private, loopback,
    link-local, multicast, reserved or unspecified: the hall's own network), or None
    when it is a public address. An IPv4-mapped IPv6 address is judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "private", "link_local", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{address}, a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{address}, not a public address"
    return None


def webhook_body(cloudevent: dict[str, Any]) -> dict[str, Any]:
    """The CloudEvent a subscriber gets: the event as published, without any personal
    data, even sealed (the applicant keeps its kind, its masked name and an
    organisation's public id; an applicant's comment is dropped)."""
    data = cloudevent.get("data")
    if not isinstance(data, dict):
        return dict(cloudevent)
    kept = {k: v for k, v in data.items() if k not in _APPLICANT_TEXT_FIELDS}
    applicant = data.get("applicant")
    if isinstance(applicant, dict):
        kept["applicant"] = _public_applicant(applicant)
    return {**cloudevent, "data": kept}


def _public_applicant(applicant: dict[str, Any]) -> dict[str, Any]:
    """An applicant as a webhook shows it; one recorded in clear (before sealing) is
    masked as the events recorded since mask it."""
    kind = str(applicant.get("kind", "person"))
    public = {k: applicant[k] for k in _PUBLIC_APPLICANT_FIELDS if k in applicant}
    if "display_name" not in public and isinstance(applicant.get("name"), str):
        public["display_name"] = mask_name(applicant["name"], kind)
    if "public_id" not in public:
        public["public_id"] = applicant.get("id_number") if kind == "organisation" else None
    return public

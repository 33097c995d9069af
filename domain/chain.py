"""The per-case hash chain of DESIGN.md §3.

Each event's ``hash`` is ``SHA-256(prevhash ‖ canonical JSON of the event
without its hash)``; the first event's ``prevhash`` is 32 zero bytes. The
hashed document uses exactly the CloudEvents attribute names, so a consumer can
verify the chain from Kafka messages alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

GENESIS = "00" * 32
HASHED_FIELDS = ("type", "subject", "caseversion", "time", "data", "prevhash")


class ChainBroken(Exception):
    """A sequence of events does not form an unbroken hash chain."""


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8 (RFC 8785 style)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def chain_hash(document: Mapping[str, Any]) -> str:
    """The hex SHA-256 of ``prevhash ‖ canonical(document without hash)``."""
    body = {name: document[name] for name in HASHED_FIELDS}
    digest = hashlib.sha256(bytes.fromhex(document["prevhash"]) + canonical_json(body))
    return digest.hexdigest()


def verify_chain(documents: Sequence[Mapping[str, Any]], head: str | None = None) -> None:
    """Raise ``ChainBroken`` unless the documents are one case's whole chain, in order.

    A chain alone cannot show that events were cut from its end: pass the
    ``head`` hash known from elsewhere (the case's current state, a signed log)
    to detect that too.
    """
    prevhash = GENESIS
    subject = documents[0]["subject"] if documents else None
    for index, doc in enumerate(documents):
        where = f"event {index + 1} ({doc.get('type')})"
        if doc["subject"] != subject:
            raise ChainBroken(f"{where} belongs to case {doc['subject']}, not {subject}")
        if doc["caseversion"] != index + 1:
            raise ChainBroken(f"{where} has version {doc['caseversion']}, expected {index + 1}")
        if doc["prevhash"] != prevhash:
            raise ChainBroken(f"{where} does not link to the event before it")
        if chain_hash(doc) != doc["hash"]:
            raise ChainBroken(f"{where} was altered: its hash does not match its content")
        prevhash = doc["hash"]
    if head is not None and prevhash != head:
        raise ChainBroken("the chain does not end at the expected head: events are missing")

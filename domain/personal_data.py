"""Applicants' personal data, sealed inside the immutable log (crypto-shredding).

An applicant's personal fields are recorded only sealed (``domain.sealing``) under
a data key of that applicant. The applicant is known by a *subject*: a keyed hash
(HMAC-SHA256) of the ID number, so one person's cases share one key and nobody
without the hash key can link a subject to a number. Destroying the subject's
keys erases the personal fields everywhere the events went, while every event,
and so every hash chain, stays as it was.

Persons: name, ID number, phone and address are sealed; the masked name (张*三)
is recorded in clear, as the hall publishes it. Organisations: the name and the
unified social credit code are public and stay in clear; phone, address and the
contact person are sealed, and the contact person's ID number (if given) is the
subject, since the personal data is theirs.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict
from uuid import UUID, uuid4

import orjson

from domain.actor import Actor
from domain.sealing import key_id, new_key, seal, unseal

PERSONAL_FIELDS = ("name", "id_number", "phone", "address", "contact")
PUBLIC_ORGANISATION_FIELDS = ("name", "id_number")


class SealedApplicant(TypedDict):
    """The applicant as events record it."""

    kind: str
    display_name: str  # 张*三 for a person, the organisation's name
    public_id: str | None  # an organisation's unified social credit code; None for persons
    subject: str  # HMAC-SHA256 of the ID number, hex
    sealed: str  # JWE compact: the personal fields, under the subject's data key


@dataclass(frozen=True)
class DataKey:
    """A data key and its id (the ``kid`` of what it seals)."""

    kid: str
    key: bytes


class PersonalDataStore(Protocol):
    """Where data keys live, which cases each subject has, and who opened what."""

    def data_key(self, subject: str, case_id: UUID) -> DataKey:
        """The subject's live key (made on first use); links ``case_id`` to the subject."""

    def key(self, kid: str) -> bytes | None:
        """The data key ``kid``, or None once it was destroyed."""

    def cases(self, subject: str) -> list[UUID]:
        """The cases linked to the subject, oldest first."""

    def destroy(self, subject: str) -> int:
        """Destroy every key of the subject; how many were still live."""

    def record_disclosure(self, actor: Actor, case_id: UUID, case_file: str) -> None:
        """Record that ``actor`` opened the case's personal data for ``case_file``."""


def mask_name(name: str, kind: str) -> str:
    """Persons' names are masked (张三 → 张*, 张小三 → 张*三); organisations' are shown."""
    if kind != "person":
        return name
    if len(name) <= 2:
        return name[:1] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def published_name(applicant: Mapping[str, Any]) -> str:
    """The name the hall may publish, from a recorded applicant of any version (v1–v2
    recorded the name in clear)."""
    if "display_name" in applicant:
        return str(applicant["display_name"])
    return mask_name(applicant["name"], applicant["kind"])


def erased(applicant: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant once erased: personal fields null, public ones kept."""
    public = _public_fields(applicant)
    return {
        "kind": applicant["kind"],
        "erased": True,
        **{name: None for name in PERSONAL_FIELDS},
        **public,
    }


def masked(applicant: Mapping[str, Any]) -> dict[str, Any]:
    """The applicant as readers without a need to know see it: the published name only."""
    return {
        "kind": applicant["kind"],
        "masked": True,
        **{name: None for name in PERSONAL_FIELDS},
        "name": applicant["display_name"],
        **_public_fields(applicant),
    }


def _public_fields(applicant: Mapping[str, Any]) -> dict[str, Any]:
    if applicant["kind"] != "organisation":
        return {}
    return {"name": applicant["display_name"], "id_number": applicant["public_id"]}


@dataclass(frozen=True)
class PersonalData:
    """Seals and opens applicants' personal data with keys from ``store``."""

    store: PersonalDataStore
    subject_key: bytes

    def subject(self, id_number: str) -> str:
        """The keyed hash that stands for an ID number."""
        normalised = id_number.strip().upper().encode()
        return hmac.new(self.subject_key, normalised, hashlib.sha256).hexdigest()

    def subject_of(self, applicant: Mapping[str, Any]) -> str:
        """The subject of an applicant as given at intake."""
        contact = applicant.get("contact") or {}
        if applicant["kind"] == "organisation" and contact.get("id_number"):
            return self.subject(contact["id_number"])
        return self.subject(applicant["id_number"])

    def seal_applicant(
        self, applicant: Mapping[str, Any], case_id: UUID
    ) -> tuple[SealedApplicant, DataKey]:
        """The applicant as recorded, and the data key that sealed it."""
        kind = applicant["kind"]
        public = PUBLIC_ORGANISATION_FIELDS if kind == "organisation" else ()
        personal = {name: applicant.get(name) for name in PERSONAL_FIELDS if name not in public}
        subject = self.subject_of(applicant)
        key = self.store.data_key(subject, case_id)
        sealed = SealedApplicant(
            kind=kind,
            display_name=mask_name(applicant["name"], kind),
            public_id=applicant["id_number"] if kind == "organisation" else None,
            subject=subject,
            sealed=seal(key.key, key.kid, orjson.dumps(personal)),
        )
        return sealed, key

    def seal_text(self, applicant: Mapping[str, Any], case_id: UUID, text: str) -> str | None:
        """Free text the applicant wrote (a rating comment), sealed with its personal data;
        None when there is no text, or no key to seal it under (an erased applicant, or
        one recorded before sealing existed): then it is not kept at all."""
        if not text or not applicant.get("subject"):
            return None
        key = self.store.data_key(applicant["subject"], case_id)
        return seal(key.key, key.kid, text.encode())

    def open_applicant(self, applicant: Mapping[str, Any]) -> dict[str, Any] | None:
        """The applicant in clear, or None when its key was destroyed (erased)."""
        if "clear" in applicant:  # recorded before sealing existed (Submitted v1–v2)
            return {**applicant["clear"], "erased": False}
        opened = self.open_text(applicant["sealed"])
        if opened is None:
            return None
        return {
            "kind": applicant["kind"],
            "erased": False,
            **orjson.loads(opened),
            **_public_fields(applicant),
        }

    def open_text(self, token: str) -> str | None:
        """A sealed value in clear, or None when its key was destroyed."""
        key = self.store.key(key_id(token))
        return None if key is None else unseal(key, token).decode()


class InMemoryPersonalDataStore:
    """A store held in memory, for unit tests."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[str, bytes | None]] = {}  # kid -> (subject, key)
        self.links: dict[str, list[UUID]] = {}
        self.disclosures: list[tuple[str, UUID, str]] = []

    def data_key(self, subject: str, case_id: UUID) -> DataKey:
        """The subject's live key (made on first use); links ``case_id`` to the subject."""
        self.links.setdefault(subject, []).append(case_id)
        for kid, (owner, key) in self.keys.items():
            if owner == subject and key is not None:
                return DataKey(kid, key)
        kid, key = str(uuid4()), new_key()
        self.keys[kid] = (subject, key)
        return DataKey(kid, key)

    def key(self, kid: str) -> bytes | None:
        """The data key ``kid``, or None once it was destroyed (or never made)."""
        return self.keys.get(kid, ("", None))[1]

    def cases(self, subject: str) -> list[UUID]:
        """The cases linked to the subject, oldest first."""
        return list(self.links.get(subject, []))

    def destroy(self, subject: str) -> int:
        """Destroy every key of the subject; how many were still live."""
        live = [k for k, (owner, key) in self.keys.items() if owner == subject and key]
        for kid in live:
            self.keys[kid] = (subject, None)
        return len(live)

    def record_disclosure(self, actor: Actor, case_id: UUID, case_file: str) -> None:
        """Record that ``actor`` opened the case's personal data for ``case_file``."""
        self.disclosures.append((actor.id, case_id, case_file))

"""The transparency log's keys: the Ed25519 key that signs its checkpoints (a secret, for
the audit log only, never in the database) and the verifier key that anyone may hold.

The signing key is the signed-note text ``PRIVATE+KEY+<origin>+<id>+<key>`` from
``CASETRAIL_AUDIT_SIGNING_KEY``, else the file ``CASETRAIL_AUDIT_SIGNING_KEY_FILE``
names, else ``secrets/audit-signing-key`` (generated on first use, mode 0600), with
the verifier key written beside it (``secrets/audit-verifier-key``). The verifier key
is public configuration: ``CASETRAIL_AUDIT_VERIFIER_KEY``, else its ``_FILE``, else that
local file, so the API serves it without ever reading the signing key.
"""

from __future__ import annotations

import os
from pathlib import Path

from domain.transparency.note import NoteError, Signer, Verifier, check_name
from infra.secrets import load_secret
from infra.state import secrets_dir

SIGNING_KEY = "CASETRAIL_AUDIT_SIGNING_KEY"
VERIFIER_KEY = "CASETRAIL_AUDIT_VERIFIER_KEY"


def local_verifier_file() -> Path:
    """Where a locally generated signing key's verifier key is written."""
    return secrets_dir() / "audit-verifier-key"


def signer(origin: str) -> Signer:
    """The key that signs the checkpoints of the log ``origin`` (its name must be the
    origin); generated locally, with its verifier key beside it, when none is given."""
    try:
        check_name(origin)
    except NoteError as error:
        raise RuntimeError(f"the audit log's origin {origin!r}: {error}") from None
    text = load_secret(SIGNING_KEY, secrets_dir(), lambda: Signer.generate(origin).skey())
    try:
        key = Signer.parse(text)
    except NoteError as error:
        raise RuntimeError(f"{SIGNING_KEY}: {error}") from None
    if key.name != origin:
        raise RuntimeError(
            f"{SIGNING_KEY} is the key of {key.name!r}, but the log's origin is {origin!r} "
            "(CASETRAIL_AUDIT_ORIGIN): a checkpoint is signed by a key of its own origin"
        )
    if not (os.environ.get(SIGNING_KEY) or os.environ.get(f"{SIGNING_KEY}_FILE")):
        _write_local_verifier(key.verifier.vkey())
    return key


def verifier() -> Verifier | None:
    """The log's verifier key, if one is configured or was generated here."""
    if text := os.environ.get(VERIFIER_KEY):
        return _parse(text.strip(), VERIFIER_KEY)
    if mounted := os.environ.get(f"{VERIFIER_KEY}_FILE"):
        try:
            return _parse(Path(mounted).read_text().strip(), f"{VERIFIER_KEY}_FILE")
        except OSError as error:
            raise RuntimeError(f"{VERIFIER_KEY}_FILE: cannot read {mounted}: {error}") from None
    try:
        return _parse(local_verifier_file().read_text().strip(), str(local_verifier_file()))
    except FileNotFoundError:
        return None


def _parse(text: str, source: str) -> Verifier:
    try:
        return Verifier.parse(text)
    except NoteError as error:
        raise RuntimeError(f"{source}: {error}") from None


def _write_local_verifier(vkey: str) -> None:
    """Write the verifier key of the local signing key, unless the file says it already
    (written aside, then renamed: a reader never sees half of it)."""
    path = local_verifier_file()
    try:
        if path.read_text().strip() == vkey:
            return
    except FileNotFoundError:
        pass
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(vkey + "\n")
    draft.replace(path)

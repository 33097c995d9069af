"""Checkpoints (C2SP tlog-checkpoint) in signed notes (C2SP signed-note, Ed25519)."""

from __future__ import annotations

import base64

import pytest

from domain.transparency.checkpoint import Checkpoint
from domain.transparency.merkle import MemoryTree, leaf_hash
from domain.transparency.note import NoteError, Signer, Verifier

ORIGIN = "casetrail.example/audit-log"


def _flip_signature_bit(note: str) -> str:
    head, _, encoded = note.rstrip("\n").rpartition(" ")
    signature = bytearray(base64.b64decode(encoded))
    signature[-1] ^= 1
    return f"{head} {base64.b64encode(bytes(signature)).decode()}\n"


def _checkpoint(size: int = 3) -> Checkpoint:
    tree = MemoryTree([leaf_hash(bytes([i]) * 32) for i in range(size)])
    return Checkpoint(ORIGIN, size, tree.root(size))


def test_a_signed_checkpoint_opens_with_its_verifier_key() -> None:
    signer = Signer.generate(ORIGIN)
    checkpoint = _checkpoint()
    note = checkpoint.sign(signer)
    text, _, signature_line = note.rpartition("\n\n")
    assert text + "\n" == f"{ORIGIN}\n3\n{base64.b64encode(checkpoint.root).decode()}\n"
    assert signature_line.startswith(f"\u2014 {ORIGIN} ")
    verifier = Verifier.parse(signer.verifier.vkey())
    assert Checkpoint.open(note, verifier, ORIGIN) == checkpoint


def test_key_texts_round_trip_and_name_their_key() -> None:
    signer = Signer.generate(ORIGIN)
    assert Signer.parse(signer.skey()) == signer
    name, key_id, key = signer.verifier.vkey().split("+", 2)
    assert (name, len(key_id), base64.b64decode(key)[:1]) == (ORIGIN, 8, b"\x01")
    tampered = signer.verifier.vkey().replace(f"+{key_id}+", "+00000000+")
    with pytest.raises(NoteError, match="id does not match"):
        Verifier.parse(tampered)


@pytest.mark.parametrize(
    "change",
    [
        lambda note: note.replace("\n3\n", "\n4\n"),  # another size
        lambda note: note.replace(ORIGIN + "\n", "casetrail.other/log\n", 1),  # another log
        lambda note: _flip_signature_bit(note),
        lambda note: note.replace("\n\n", "\n"),  # no blank line
    ],
)
def test_an_altered_note_is_refused(change: object) -> None:
    signer = Signer.generate(ORIGIN)
    note = _checkpoint().sign(signer)
    altered = change(note)  # type: ignore[operator]
    assert altered != note
    with pytest.raises(NoteError):
        Checkpoint.open(altered, signer.verifier, ORIGIN)


def test_a_note_signed_by_another_key_is_refused() -> None:
    note = _checkpoint().sign(Signer.generate(ORIGIN))
    with pytest.raises(NoteError, match=r"no signature by|does not verify"):
        Checkpoint.open(note, Signer.generate(ORIGIN).verifier)


def test_a_checkpoint_of_another_origin_is_refused() -> None:
    signer = Signer.generate("casetrail.other/log")
    note = Checkpoint("casetrail.other/log", 1, bytes(32)).sign(signer)
    with pytest.raises(NoteError, match="not"):
        Checkpoint.open(note, signer.verifier, ORIGIN)


@pytest.mark.parametrize(
    "body",
    ["", "origin\n", "origin\n01\nAAAA\n", "\n1\n" + "A" * 44 + "\n", "o\n1\nnot base64!\n"],
)
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(body)

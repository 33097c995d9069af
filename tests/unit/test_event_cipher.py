"""The event store's cipher reads and writes the library's AES-GCM layout."""

from __future__ import annotations

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from infra.event_cipher import EventCipher

KEY = AESCipher.create_key(32)
STATE = '{"case_no": "市监-20260302-000001", "note": "补齐"}'.encode()


def ciphers() -> tuple[EventCipher, AESCipher]:
    environment = Environment(env={"CIPHER_KEY": KEY})
    return EventCipher(environment), AESCipher(environment)


def test_states_sealed_by_either_read_with_both() -> None:
    ours, library = ciphers()
    assert library.decrypt(ours.encrypt(STATE)) == STATE
    assert ours.decrypt(library.encrypt(STATE)) == STATE


def test_each_state_gets_its_own_nonce() -> None:
    ours = ciphers()[0]
    assert ours.encrypt(STATE)[:12] != ours.encrypt(STATE)[:12]


def test_a_sealed_state_under_a_given_nonce_is_the_library_layout() -> None:
    ours, library = ciphers()
    sealed = ours.seal(bytes(12), STATE)
    assert sealed[:12] == bytes(12) and len(sealed) == 12 + 16 + len(STATE)
    assert library.decrypt(sealed) == STATE


@pytest.mark.parametrize("damage", ["flip", "truncate", "short"])
def test_a_damaged_state_is_refused(damage: str) -> None:
    ours = ciphers()[0]
    sealed = bytearray(ours.encrypt(STATE))
    if damage == "flip":
        sealed[-1] ^= 1
    elif damage == "truncate":
        del sealed[-1]
    else:
        sealed = sealed[:20]
    with pytest.raises(ValueError):
        ours.decrypt(bytes(sealed))


def test_a_state_under_another_key_is_refused() -> None:
    other = EventCipher(Environment(env={"CIPHER_KEY": AESCipher.create_key(32)}))
    with pytest.raises(ValueError, match="Invalid cipher tag"):
        ciphers()[0].decrypt(other.encrypt(STATE))

"""The transparency log's keys: the signing key is generated locally on first use, with
its public verifier key beside it; configured keys are used as given, a key of another
origin or a malformed one is refused; the verifier key comes without the signing key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from domain.transparency.note import Signer
from infra import audit_keys

ORIGIN = "casetrail.test-hall/audit-log"


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASETRAIL_STATE_DIR", str(tmp_path))
    for variable in (audit_keys.SIGNING_KEY, audit_keys.VERIFIER_KEY):
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(f"{variable}_FILE", raising=False)
    return tmp_path


def test_a_local_signing_key_is_generated_once_with_its_verifier_key_beside_it(
    state: Path,
) -> None:
    assert audit_keys.verifier() is None  # nothing signed here yet
    signer = audit_keys.signer(ORIGIN)
    secret = state / "secrets" / "audit-signing-key"
    assert secret.read_text().strip() == signer.skey()
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert audit_keys.signer(ORIGIN) == signer
    assert audit_keys.verifier() == signer.verifier
    assert audit_keys.local_verifier_file().read_text() == signer.verifier.vkey() + "\n"


def test_configured_keys_are_used_as_given(state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signer = Signer.generate(ORIGIN)
    monkeypatch.setenv(audit_keys.SIGNING_KEY, signer.skey())
    mounted = state / "vkey"
    mounted.write_text(signer.verifier.vkey() + "\n")
    monkeypatch.setenv(f"{audit_keys.VERIFIER_KEY}_FILE", str(mounted))
    assert audit_keys.signer(ORIGIN) == signer
    assert audit_keys.verifier() == signer.verifier
    assert not (state / "secrets" / "audit-signing-key").exists()
    assert not audit_keys.local_verifier_file().exists()  # the configured key is not written


def test_a_key_of_another_log_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_keys.SIGNING_KEY, Signer.generate("casetrail.other/log").skey())
    with pytest.raises(RuntimeError, match=r"is the key of 'casetrail\.other/log'"):
        audit_keys.signer(ORIGIN)


@pytest.mark.parametrize("origin", ["casetrail.a hall/log", "casetrail.a+b/log", ""])
def test_an_origin_that_cannot_name_a_key_is_refused(origin: str) -> None:
    with pytest.raises(RuntimeError, match="origin"):
        audit_keys.signer(origin)


def test_malformed_keys_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit_keys.SIGNING_KEY, "PRIVATE+KEY+x+00+AAAA")
    with pytest.raises(RuntimeError, match=audit_keys.SIGNING_KEY):
        audit_keys.signer("x")
    monkeypatch.setenv(audit_keys.VERIFIER_KEY, "not a key")
    with pytest.raises(RuntimeError, match=audit_keys.VERIFIER_KEY):
        audit_keys.verifier()

"""The ``casetrail audit`` commands' key handling: the verifier key as text, from a file,
from the settings, and a clear error without one (before any server is contacted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.transparency.note import Signer
from infra.config import Settings
from infra.entrypoints import cli
from infra.entrypoints.audit_commands import _verifier, read_verifier_key

SIGNER = Signer.generate("casetrail.test/audit-log")
VKEY = SIGNER.verifier.vkey()


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETRAIL_STATE_DIR", str(tmp_path / "state"))
    for variable in ("CASETRAIL_AUDIT_VERIFIER_KEY", "CASETRAIL_AUDIT_VERIFIER_KEY_FILE"):
        monkeypatch.delenv(variable, raising=False)


def test_a_verifier_key_as_text_or_in_a_file(tmp_path: Path) -> None:
    assert read_verifier_key(VKEY) == SIGNER.verifier
    path = tmp_path / "vkey"
    path.write_text(VKEY + "\n")
    assert read_verifier_key(str(path)) == SIGNER.verifier
    with pytest.raises(RuntimeError, match="absent is neither a verifier key nor a file"):
        read_verifier_key(str(tmp_path / "absent"))
    with pytest.raises(RuntimeError, match="--verifier-key: a verifier key holds an Ed25519"):
        read_verifier_key("name+00000000+AAAA")


def test_the_key_comes_from_the_settings_or_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "vkey"
    path.write_text(VKEY + "\n")
    monkeypatch.setenv("CASETRAIL_AUDIT_VERIFIER_KEY_FILE", str(path))
    assert _verifier(Settings.from_env(), None) == SIGNER.verifier
    other = Signer.generate("casetrail.other/audit-log")
    assert _verifier(Settings.from_env(), other.verifier.vkey()) == other.verifier


@pytest.mark.parametrize("command", [["verify"], ["export", "SCJG-20260302-0001", "--out", "x"]])
def test_without_a_key_the_commands_say_so(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["audit", *command]) == 1
    assert "casetrail: no verifier key: pass --verifier-key, or set " in capsys.readouterr().err
    assert cli.main(["audit", *command, "--verifier-key", "nope"]) == 1
    assert "casetrail: --verifier-key: " in capsys.readouterr().err

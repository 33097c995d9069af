"""Secrets: from the variable, else a mounted file, else generated once with mode 0600."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from infra.secrets import load_secret


def test_generated_once_into_a_private_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CASETRAIL_X_KEY", raising=False)
    monkeypatch.delenv("CASETRAIL_X_KEY_FILE", raising=False)
    made = iter(["first", "second"])
    folder = tmp_path / "secrets"
    assert load_secret("CASETRAIL_X_KEY", folder, lambda: next(made)) == "first"
    assert "CASETRAIL_X_KEY is not set" in capsys.readouterr().err
    assert load_secret("CASETRAIL_X_KEY", folder, lambda: next(made)) == "first"
    assert capsys.readouterr().err == ""
    assert stat.S_IMODE((folder / "x-key").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_the_variable_then_a_mounted_file_come_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mounted = tmp_path / "mounted"
    mounted.write_text("from-file\n")
    monkeypatch.setenv("CASETRAIL_X_KEY_FILE", str(mounted))
    assert load_secret("CASETRAIL_X_KEY", tmp_path, lambda: "made") == "from-file"
    monkeypatch.setenv("CASETRAIL_X_KEY", " from-env ")
    assert load_secret("CASETRAIL_X_KEY", tmp_path, lambda: "made") == "from-env"
    assert not (tmp_path / "x-key").exists()
    monkeypatch.delenv("CASETRAIL_X_KEY")
    monkeypatch.setenv("CASETRAIL_X_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(RuntimeError, match="CASETRAIL_X_KEY_FILE: cannot read"):
        load_secret("CASETRAIL_X_KEY", tmp_path, lambda: "made")


def test_a_short_hmac_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.config import Settings

    monkeypatch.setenv("CASETRAIL_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("CASETRAIL_SUBJECT_KEY", "short")
    with pytest.raises(RuntimeError, match="CASETRAIL_SUBJECT_KEY must be at least 32 bytes"):
        Settings.from_env("postgresql://x@127.0.0.1:1/x", "127.0.0.1:1")
    monkeypatch.setenv("CASETRAIL_SUBJECT_KEY", "k" * 32)
    assert Settings.from_env("postgresql://x@127.0.0.1:1/x", "127.0.0.1:1").subject_key == "k" * 32

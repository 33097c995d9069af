"""The daily exchange files: ``exchange-YYYY-MM-DD.jsonl``, one record version per line
(the message as published, in the order of ``exchange_store.day_messages``), and
``exchange-YYYY-MM-DD.manifest.json``: the day, the count, the SHA-256 of the JSONL file,
the count of each record type and when it was generated. Written to a temporary name,
then renamed, so a reader never sees half a file."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import psycopg

from domain.exchange.records import RECORD_TYPES
from infra.exchange_store import day_messages


def file_names(day: date) -> tuple[str, str]:
    """The names of a day's JSONL file and manifest."""
    stem = f"exchange-{day.isoformat()}"
    return f"{stem}.jsonl", f"{stem}.manifest.json"


def write_day(conn: psycopg.Connection, day: date, folder: Path) -> dict[str, Any]:
    """Write (or write again) the files of ``day`` into ``folder``; the manifest."""
    messages = day_messages(conn, day)
    body = b"".join(message.encode() + b"\n" for _, message in messages)
    counted = Counter(kind for kind, _ in messages)
    jsonl, manifest_name = file_names(day)
    manifest = {
        "date": day.isoformat(),
        "file": jsonl,
        "count": len(messages),
        "sha256": hashlib.sha256(body).hexdigest(),
        "record_types": {kind: counted[kind] for kind in RECORD_TYPES},
        "generated_at": datetime.now(UTC).isoformat(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    _replace(folder / jsonl, body)
    _replace(folder / manifest_name, orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return manifest


def _replace(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)

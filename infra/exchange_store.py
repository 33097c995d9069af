"""The exporter's storage (``exchange_cases``, ``exchange_records``): each case's sheet
(its exchange records as they stand, with the last version and content hash of each),
and every record version published, byte for byte, for the daily files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from domain.exchange.mapping import Sheet


@dataclass(frozen=True)
class Published:
    """One record version as published: its message (the Kafka value) and its day."""

    record_id: str
    version: int
    record_type: str
    case_no: str
    content_hash: str
    time: datetime
    day: date
    message: bytes


def load_sheets(conn: psycopg.Connection, case_ids: list[str]) -> dict[str, Sheet]:
    """The sheets of these cases that exist, by case id (locked until the transaction ends)."""
    rows = conn.execute(
        "SELECT case_id::text, sheet FROM exchange_cases WHERE case_id = ANY(%s::uuid[]) "
        "ORDER BY case_id FOR UPDATE",
        (case_ids,),
    ).fetchall()
    return {case_id: sheet for case_id, sheet in rows}


def save(conn: psycopg.Connection, sheets: dict[str, Sheet], published: list[Published]) -> None:
    """Store the cases' sheets and the versions published (a version stored already, by an
    attempt whose offsets were not committed, stays as it was: it is the same)."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO exchange_cases (case_id, sheet) VALUES (%s, %s) "
            "ON CONFLICT (case_id) DO UPDATE SET sheet = excluded.sheet",
            [(case_id, Jsonb(sheet)) for case_id, sheet in sheets.items()],
        )
        cursor.executemany(
            "INSERT INTO exchange_records (record_id, version, record_type, case_no,"
            " content_hash, time, day, message) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (record_id, version) DO NOTHING",
            [
                (
                    p.record_id,
                    p.version,
                    p.record_type,
                    p.case_no,
                    p.content_hash,
                    p.time,
                    p.day,
                    p.message.decode(),
                )
                for p in published
            ],
        )


def day_messages(conn: psycopg.Connection, day: date) -> list[tuple[str, str]]:
    """The record type and message of each version of ``day``, in the files' order: by
    time, record id and version."""
    rows: list[Any] = conn.execute(
        "SELECT record_type, message FROM exchange_records WHERE day = %s "
        "ORDER BY time, record_id, version",
        (day,),
    ).fetchall()
    return [(kind, message) for kind, message in rows]

"""Where each consumer stands on a topic: the next offset of every partition, stored in
PostgreSQL in the transaction of what the consumer made of the messages before it
(Kafka's own committed offsets are informational only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg


def stored(conn: psycopg.Connection[Any], consumer: str, topic: str) -> dict[int, int]:
    """The next offset to read in each partition, as ``consumer`` stored it."""
    rows = conn.execute(
        "SELECT partition, next_offset FROM consumer_offsets WHERE consumer = %s AND topic = %s",
        (consumer, topic),
    ).fetchall()
    return {int(partition): int(offset) for partition, offset in rows}


def store(
    conn: psycopg.Connection[Any], consumer: str, topic: str, offsets: Mapping[int, int]
) -> None:
    """Record the next offset to read in each partition of ``offsets``."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO consumer_offsets (consumer, topic, partition, next_offset) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (consumer, topic, partition) "
            "DO UPDATE SET next_offset = EXCLUDED.next_offset",
            [(consumer, topic, partition, offset) for partition, offset in offsets.items()],
        )

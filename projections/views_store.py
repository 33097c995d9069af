"""Storage shared by the views' stores: reading stored views many at a time (the
projection runner asks once per batch for the views of every aggregate in it, not once
per aggregate)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

View = dict[str, Any]


def views_by_id(conn: psycopg.Connection, query: str, ids: Collection[str]) -> dict[str, View]:
    """The views that ``query`` finds (its rows: an id, a JSON view) for ``ids``, passed
    as its one parameter (a uuid array), by id."""
    rows = conn.execute(query, ([UUID(i) for i in ids],)).fetchall()
    return {str(key): view for key, view in rows}


def rows_by_id(
    conn: psycopg.Connection, query: str, ids: Collection[str], key: str
) -> dict[str, dict[str, Any]]:
    """The rows, as dictionaries, that ``query`` finds for ``ids`` (its one parameter, a
    uuid array), by their column ``key`` as text."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(query, ([UUID(i) for i in ids],)).fetchall()
    return {str(row[key]): row for row in rows}

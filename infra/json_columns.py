"""JSONB columns written and read with orjson: psycopg's global setting, made by the
composition root (``infra.entrypoints.bootstrap``) for every process. psycopg's default,
the standard library's ``json``, took more of the projection runner's time than any
projection."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg.types.json import set_json_dumps, set_json_loads


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def use_orjson() -> None:
    """Write and read every JSON value psycopg adapts with orjson."""
    set_json_dumps(_dumps)
    set_json_loads(orjson.loads)

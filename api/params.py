"""Bounded path and query parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_POSITION = 2**63 - 1  # a notification id is a PostgreSQL bigint

CaseNo = Annotated[str, Path(min_length=1, max_length=64)]
ItemCode = Annotated[str, Path(min_length=1, max_length=64)]
EventType = Annotated[str, Path(min_length=1, max_length=200)]
QueryCode = Annotated[str, Query(min_length=1, max_length=32)]
Filter = Annotated[str | None, Query(min_length=1, max_length=64)]
Position = Annotated[int | None, Query(ge=0, le=MAX_POSITION)]

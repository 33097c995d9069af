"""``casetrail exchange files``: write a day's exchange files by hand (the exporter writes
yesterday's itself once it has caught up)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import psycopg

from domain.clock import HALL_TZ
from infra import grants
from infra.config import Settings
from infra.exchange_files import file_names, write_day
from infra.grants import require_privileges


def write_exchange_files(settings: Settings, day: date | None, folder: Path | None) -> int:
    """Write the exchange files of ``day`` (default: yesterday, the hall's day) into
    ``folder`` (default: the configured one) and print where, with the count and SHA-256."""
    day = day or settings.clock().now().astimezone(HALL_TZ).date() - timedelta(days=1)
    folder = folder or Path(settings.exchange_dir)
    try:
        conn = psycopg.connect(settings.exporter_database_url, autocommit=True)
    except psycopg.OperationalError as error:
        raise RuntimeError(f"cannot reach the database: {error}") from None
    with conn:
        require_privileges(conn, grants.EXPORTER)
        try:
            manifest = write_day(conn, day, folder)
        except OSError as error:
            raise RuntimeError(f"cannot write the exchange files into {folder}: {error}") from None
    jsonl, manifest_name = file_names(day)
    print(f"{folder / jsonl}: {manifest['count']} records, sha256 {manifest['sha256']}")
    print(folder / manifest_name)
    return 0

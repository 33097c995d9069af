"""Tables as downloads: CSV (UTF-8 with a byte-order mark, so that spreadsheet programs
read Chinese text right) and XLSX (one sheet per table), with their media types and an
attachment's file name."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi.responses import Response
from openpyxl import Workbook

Cell = str | int | float | bool | None
Format = Literal["json", "csv", "xlsx"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# OpenAPI: a route's 200 answer is its JSON, or with ``format`` a CSV or XLSX download.
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@dataclass(frozen=True)
class Table:
    """A header and its rows."""

    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def csv_bytes(table: Table) -> bytes:
    """The table as CSV: booleans ``true``/``false``, None an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows([_text(cell) for cell in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: Mapping[str, Table]) -> bytes:
    """The tables as a workbook, one sheet each (in order), typed cells."""
    book = Workbook()
    default = book.active
    for title, table in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(table.columns))
        for row in table.rows:
            sheet.append(list(row))
    if default is not None:
        book.remove(default)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(content: bytes, media_type: str, filename: str) -> Response:
    """An attachment named ``filename``."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def as_download(sheets: Mapping[str, Table], fmt: Format, stem: str, csv_sheet: str) -> Response:
    """``sheets`` as an XLSX workbook, or their ``csv_sheet`` as CSV: ``<stem>.<format>``."""
    if fmt == "xlsx":
        return download(xlsx_bytes(sheets), XLSX_MEDIA_TYPE, f"{stem}.xlsx")
    return download(csv_bytes(sheets[csv_sheet]), CSV_MEDIA_TYPE, f"{stem}.csv")


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    return str(cell)

"""Tables written for spreadsheets: CSV as French Excel opens it, and XLSX (openpyxl).

Personal data goes into these files: a cell never becomes a formula, and text keeps no control or
bidirectional character from old data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from concertation.core.text import clean_text

Cell = str | int
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_cell(value: Cell) -> str:
    """A CSV cell: text starting with = + - @ (a formula for Excel) is written after a quote."""
    if isinstance(value, int):
        return str(value)
    value = clean_text(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_bytes(rows: Sequence[Sequence[Cell]]) -> bytes:
    """`;`-separated UTF-8 with a BOM, so that Excel opens it with its accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    title: str, rows: Sequence[Sequence[Cell]], widths: Sequence[int], *, bold_rows: int = 1
) -> bytes:
    """One sheet named `title`; the first `bold_rows` rows in bold and frozen, text always text."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    for row_index, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(
                row=row_index, column=column, value=clean_text(value) if isinstance(value, str) else value
            )
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            if row_index <= bold_rows:
                cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=bold_rows + 1, column=1)
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

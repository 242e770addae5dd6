"""The import template: an XLSX with one sheet per kind, headers and an example row.

Written by code from columns.SHEETS, so it always matches what the reader
accepts. `write_workbook` writes any rows in the same layout (the benchmark's
12,000-unit file comes from it).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from carriers.imports import cells
from carriers.imports.columns import SHEETS, Column

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "zaiti-import-template.xlsx"


def _example(column: Column) -> object:
    if column.parse is cells.date and isinstance(column.example, str):
        return dt.date.fromisoformat(column.example)  # a real date cell, as users enter them
    return column.example


def template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for sheet in SHEETS:
        tab = book.create_sheet(sheet.zh)
        for position, column in enumerate(sheet.columns, start=1):
            cell = tab.cell(row=1, column=position, value=column.zh)
            cell.font = Font(bold=column.required)
            if column.required:
                cell.fill = required_fill
            note = ("必填。" if column.required else "选填。") + column.note
            cell.comment = Comment(f"{note}\n英文表头：{column.en}", "载体")
            example = tab.cell(row=2, column=position, value=_example(column))
            if isinstance(example.value, dt.date):
                example.number_format = "yyyy-mm-dd"
            tab.column_dimensions[get_column_letter(position)].width = max(
                12, 2 * len(column.zh) + 4
            )
        tab.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_workbook(rows: dict[str, Iterable[Sequence[object]]], out: io.IOBase) -> None:
    """Rows per kind (values in the order of the sheet's columns) as one workbook."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in SHEETS:
        if sheet.kind not in rows:
            continue
        tab = book.create_sheet(sheet.zh)
        tab.append([c.zh for c in sheet.columns])
        for row in rows[sheet.kind]:
            tab.append(list(row))
    book.save(out)

"""Reading uploaded files into tables of raw rows, or refusing the file as a whole.

An XLSX workbook has one sheet per kind (named as in the template, in Chinese
or English); a CSV file holds one kind, recognised by its header row. Both
come as bytes, checked for size and type by their content rather than their
name. Everything wrong with a file as a whole (empty, not a spreadsheet, an
unreadable encoding, unknown or missing headers) is collected into one
ImportFileError; rows are judged later, one by one.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from carriers.imports import columns
from carriers.imports.cells import is_blank
from carriers.imports.columns import Sheet

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000  # all sheets together: ten times the zone, well past any real file
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .et) format
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel's "CSV UTF-8" (with BOM) and the Chinese default


@dataclass(frozen=True)
class Source:
    name: str  # as uploaded: only shown back to the user, never used as a path
    data: bytes


@dataclass
class Table:
    sheet: Sheet
    title: str  # the tab's name, or the CSV file's name
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)


class ImportFileError(Exception):
    """The files cannot be imported at all: nothing was read, nothing saved."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def check_size(name: str, size: int) -> str | None:
    if size == 0:
        return _("The file %(name)s is empty.") % {"name": name}
    if size > MAX_BYTES:
        return _("The file %(name)s is %(size)s; the limit is %(limit)s.") % {
            "name": name,
            "size": filesizeformat(size),
            "limit": filesizeformat(MAX_BYTES),
        }
    return None


def read_sources(sources: list[Source]) -> list[Table]:
    errors: list[str] = []
    tables: list[Table] = []
    if not sources:
        raise ImportFileError([_("Choose a file to import.")])
    for source in sources:
        problem = check_size(source.name, len(source.data))
        if problem:
            errors.append(problem)
            continue
        try:
            tables.extend(_read_one(source, errors))
        except ImportFileError as exc:
            errors.extend(exc.messages)
    if not errors and not any(t.rows for t in tables):
        errors.append(_("There are no rows to import: the file has headers but no data."))
    if sum(len(t.rows) for t in tables) > MAX_ROWS:
        errors.append(_("Too many rows: at most %(n)d in one import.") % {"n": MAX_ROWS})
    if errors:
        raise ImportFileError(errors)
    return tables


def _read_one(source: Source, errors: list[str]) -> list[Table]:
    suffix = PurePath(source.name).suffix.lower()
    head = source.data[:8]
    if head.startswith(XLSX_MAGIC):
        return _read_xlsx(source, errors)
    if head.startswith(OLE_MAGIC):
        raise ImportFileError(
            [
                _(
                    "%(name)s is in the old Excel format (.xls): save it as an Excel workbook "
                    "(.xlsx) or as CSV UTF-8 and upload it again."
                )
                % {"name": source.name}
            ]
        )
    if suffix == ".xlsx" or b"\x00" in source.data[:4096]:
        raise ImportFileError([_not_a_spreadsheet(source.name)])
    if suffix not in (".csv", ".txt", ""):
        raise ImportFileError([_not_a_spreadsheet(source.name)])
    return [_read_csv(source, errors)]


def _not_a_spreadsheet(name: str) -> str:
    return _("%(name)s is not an Excel workbook (.xlsx) or a CSV file.") % {"name": name}


# --- XLSX -----------------------------------------------------------------------------


def _read_xlsx(source: Source, errors: list[str]) -> list[Table]:
    from openpyxl import load_workbook  # only when a workbook comes in: it is a big import

    try:
        # read_only streams the rows (little memory for big files); data_only
        # gives the values of formulas as Excel last computed them.
        book = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ImportFileError([_not_a_spreadsheet(source.name)]) from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError([_not_a_spreadsheet(source.name)]) from exc
    tables = []
    try:
        for tab in book.worksheets:
            rows = list(_value_rows(tab.iter_rows(values_only=True)))
            if not rows:
                continue  # an empty tab (a spare "Sheet2") is no problem
            sheet = columns.sheet_for_title(tab.title)
            if sheet is None:
                errors.append(
                    _(
                        "Sheet %(title)s is not one of the import's sheets (%(names)s): "
                        "rename it or remove it."
                    )
                    % {"title": f"「{tab.title}」", "names": _sheet_names()}
                )
                continue
            table = _table(sheet, tab.title, rows, errors)
            if table is not None:
                tables.append(table)
    finally:
        book.close()
    return tables


def _sheet_names() -> str:
    return "、".join(f"{s.zh} ({s.en})" for s in columns.SHEETS)


# --- CSV ------------------------------------------------------------------------------


def _decode(source: Source) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return source.data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        [
            _(
                "%(name)s cannot be read as text in UTF-8 or GB18030: save it from Excel as "
                "“CSV UTF-8” and upload it again."
            )
            % {"name": source.name}
        ]
    )


def _read_csv(source: Source, errors: list[str]) -> Table:
    content = _decode(source)
    first_line = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        rows = list(_value_rows(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)))
    except csv.Error as exc:
        raise ImportFileError(
            [_("%(name)s is not a valid CSV file: %(error)s") % {"name": source.name, "error": exc}]
        ) from exc
    if not rows:
        raise ImportFileError([_("The file %(name)s is empty.") % {"name": source.name}])
    sheet = _csv_sheet(source.name, rows[0][1])
    if sheet is None:
        raise ImportFileError(
            [
                _(
                    "The headers of %(name)s match none of the kinds of rows (%(names)s). "
                    "A CSV file holds one kind, with the template's headers in its first row."
                )
                % {"name": source.name, "names": _sheet_names()}
            ]
        )
    table = _table(sheet, source.name, rows, errors)
    if table is None:
        raise ImportFileError([])
    return table


def _csv_sheet(name: str, header: tuple[object, ...]) -> Sheet | None:
    """The kind a CSV file holds: named by the file (units.csv, 单元.csv) or by its headers."""
    by_name = columns.sheet_for_title(PurePath(name).stem)
    if by_name is not None:
        return by_name
    words = {columns.normalise_header(h) for h in header if not is_blank(h)}
    fits = []
    for sheet in columns.SHEETS:
        index = columns.header_index(sheet)
        known = {index[w].key for w in words if w in index}
        if words <= set(index) and all(c.key in known for c in sheet.required):
            fits.append(sheet)
    return fits[0] if len(fits) == 1 else None


# --- both -----------------------------------------------------------------------------


def _value_rows(rows: object) -> object:
    """(row number, cells) for every row with something in it; numbering as in Excel."""
    for number, row in enumerate(rows, start=1):  # type: ignore[arg-type]
        if row is not None and not all(is_blank(v) for v in row):
            yield number, tuple(v.strip() if isinstance(v, str) else v for v in row)


def _table(
    sheet: Sheet, title: str, rows: list[tuple[int, tuple[object, ...]]], errors: list[str]
) -> Table | None:
    """Map the header row to columns; None (with the reasons in errors) if it does not fit."""
    header_number, header = rows[0]
    index = columns.header_index(sheet)
    where = f"「{title}」"
    positions: dict[int, str] = {}
    written: dict[str, str] = {}
    problems = []
    for position, cell in enumerate(header):
        if is_blank(cell):
            continue
        column = index.get(columns.normalise_header(cell))
        if column is None:
            problems.append(
                _("Sheet %(sheet)s has an unknown column %(column)s.")
                % {"sheet": where, "column": f"「{cell}」"}
            )
        elif column.key in written:
            problems.append(
                _("Sheet %(sheet)s has the column %(column)s twice.")
                % {"sheet": where, "column": f"「{cell}」"}
            )
        else:
            positions[position] = column.key
            written[column.key] = str(cell).strip()
    missing = [c.zh for c in sheet.required if c.key not in written]
    if missing:
        problems.append(
            _("Sheet %(sheet)s lacks the required columns %(columns)s (see the template).")
            % {"sheet": where, "columns": "、".join(f"「{m}」" for m in missing)}
        )
    if header_number != 1 and not problems:
        problems.append(_("Sheet %(sheet)s must have its headers in row 1.") % {"sheet": where})
    if problems:
        errors.extend(problems)
        return None
    table = Table(sheet, title, written)
    for number, row in rows[1:]:
        values = {key: row[p] if p < len(row) else None for p, key in positions.items()}
        if any(not is_blank(v) for v in values.values()):
            table.rows.append((number, values))
    return table

"""Reading uploaded files into tables of raw rows, or refusing the file as a whole.

An XLSX workbook has one sheet per kind (named as in the template, in Chinese
or English); a CSV file holds one kind, recognised by its header row. Both
come as bytes, checked for size and type by their content rather than their
name. Everything wrong with a file as a whole (empty, not a spreadsheet, an
unreadable encoding, unknown or missing headers, too many rows) is collected
into one ImportFileError; rows are judged later, one by one.

Reading costs what the file holds, never what it claims: a workbook's declared
<dimension> is ignored (a 5 KB file may declare A1:XFD100000), rows are read
only as wide as their sheet's header, and reading stops at the first row over
the limit rather than after the last.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from carriers.imports import columns
from carriers.imports.cells import is_blank
from carriers.imports.columns import Sheet

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200_000  # all sheets together: ten times the zone, well past any real file
EXCEL_LAST_ROW = 1_048_576  # no spreadsheet goes further; a row number past it is forged
HEADER_SCAN_WIDTH = 256  # columns looked at for a header below row 1: ours are far narrower
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


class TooManyRows(ImportFileError):
    """More rows than one import takes: reading stops there, whatever else is left."""


class _RowBudget:
    """Rows of data still allowed, counted down across every file of one import."""

    def __init__(self) -> None:
        self.left = MAX_ROWS

    def take(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise TooManyRows([_("Too many rows: at most %(n)d in one import.") % {"n": MAX_ROWS}])


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
    budget = _RowBudget()
    for source in sources:
        problem = check_size(source.name, len(source.data))
        if problem:
            errors.append(problem)
            continue
        try:
            tables.extend(_read_one(source, errors, budget))
        except TooManyRows as exc:
            errors.extend(exc.messages)
            break  # the rest is not read at all
        except ImportFileError as exc:
            errors.extend(exc.messages)
    if not errors and not any(t.rows for t in tables):
        errors.append(_("There are no rows to import: the file has headers but no data."))
    if errors:
        raise ImportFileError(errors)
    return tables


def _read_one(source: Source, errors: list[str], budget: _RowBudget) -> list[Table]:
    suffix = PurePath(source.name).suffix.lower()
    head = source.data[:8]
    if head.startswith(XLSX_MAGIC):
        return _read_xlsx(source, errors, budget)
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
    return [_read_csv(source, errors, budget)]


def _not_a_spreadsheet(name: str) -> str:
    return _("%(name)s is not an Excel workbook (.xlsx) or a CSV file.") % {"name": name}


# --- XLSX -----------------------------------------------------------------------------


def _read_xlsx(source: Source, errors: list[str], budget: _RowBudget) -> list[Table]:
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
            # read_only trusts the sheet's declared <dimension> and pads every row
            # to it: forget it, and read the cells the sheet has.
            tab.reset_dimensions()
            header = _xlsx_header(tab)
            if header is None:
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
            # The data only as wide as the header: cells further right belong to no column.
            data = tab.iter_rows(
                min_row=header[0] + 1, max_col=max(len(header[1]), 1), values_only=True
            )
            table = _table(
                sheet, tab.title, header, _value_rows(data, header[0] + 1), errors, budget
            )
            if table is not None:
                tables.append(table)
    finally:
        book.close()
    return tables


def _xlsx_header(tab: object) -> tuple[int, tuple[object, ...]] | None:
    """The first row with something in it (row 1 in a good sheet), without trailing blanks."""
    for number, row in _value_rows(tab.iter_rows(max_row=1, values_only=True)):  # type: ignore[attr-defined]
        return number, _trimmed(row)
    # Row 1 is blank: is the tab empty, or are its headers lower down (refused)?
    lower = tab.iter_rows(min_row=2, max_col=HEADER_SCAN_WIDTH, values_only=True)  # type: ignore[attr-defined]
    for number, row in _value_rows(lower, 2):
        return number, _trimmed(row)
    return None


def _trimmed(row: tuple[object, ...]) -> tuple[object, ...]:
    end = len(row)
    while end and is_blank(row[end - 1]):
        end -= 1
    return row[:end]


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


def _read_csv(source: Source, errors: list[str], budget: _RowBudget) -> Table:
    content = _decode(source)
    first_line = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    try:
        rows = _value_rows(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
        header = next(rows, None)
        if header is None:
            raise ImportFileError([_("The file %(name)s is empty.") % {"name": source.name}])
        sheet = _csv_sheet(source.name, header[1])
        table = None if sheet is None else _table(sheet, source.name, header, rows, errors, budget)
    except csv.Error as exc:
        raise ImportFileError(
            [_("%(name)s is not a valid CSV file: %(error)s") % {"name": source.name, "error": exc}]
        ) from exc
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


def _value_rows(
    rows: Iterable[Iterable[object] | None], start: int = 1
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """(row number, cells) for every row with something in it; numbering as in Excel."""
    for number, row in enumerate(rows, start=start):
        if number > EXCEL_LAST_ROW:
            raise ImportFileError(
                [
                    _("A sheet goes on past row %(n)d, the last a spreadsheet has.")
                    % {"n": EXCEL_LAST_ROW}
                ]
            )
        if row is not None and not all(is_blank(v) for v in row):
            yield number, tuple(v.strip() if isinstance(v, str) else v for v in row)


def _table(
    sheet: Sheet,
    title: str,
    first: tuple[int, tuple[object, ...]],
    rows: Iterator[tuple[int, tuple[object, ...]]],
    errors: list[str],
    budget: _RowBudget,
) -> Table | None:
    """Map the header row to columns, then read the rows under it (counted against the
    budget); None (with the reasons in errors) if the header does not fit."""
    header_number, header = first
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
    for number, row in rows:
        values = {key: row[p] if p < len(row) else None for p, key in positions.items()}
        if any(not is_blank(v) for v in values.values()):
            budget.take()
            table.rows.append((number, values))
    return table

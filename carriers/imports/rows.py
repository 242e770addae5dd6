"""Rows of an import, each parsed and checked on its own (no database needed).

A Row carries its typed values, where it came from (sheet, row number, the
headers as written) and its outcome: the action it would take or the reasons
it is refused. Checks that need only the row itself (required values, cell
types, the USCC's check character, a lease or qualification ending before it
starts) and the file (a natural key given twice) are made here; planning.py
adds what needs the database. The models' rules between two fields (usable
within gross area, R&D staff within employees, ...) are not: a row may give
one field and leave the other as stored, so rules.py checks them on the
record as the import would write it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from carriers.imports import columns
from carriers.imports.cells import CellError, is_blank
from carriers.imports.reading import Table
from leasing.uscc import normalise_uscc, validate_uscc

CREATE, UPDATE, UNCHANGED, REFUSED = "create", "update", "unchanged", "refused"


@dataclass
class Row:
    kind: str
    sheet: str  # the tab's (or CSV file's) name, as written
    number: int  # the spreadsheet row number: the header is row 1
    values: dict[str, Any]  # typed; only the columns the file has
    headers: dict[str, str]  # column key -> header as written
    errors: list[tuple[str, str]] = field(default_factory=list)  # (header, message)
    action: str = ""
    changes: list[str] = field(default_factory=list)  # headers of the values an update changes
    target: Any = None  # the model instance to insert or update

    def refuse(self, key: str | None, message: str) -> None:
        header = self.headers.get(key, columns.BY_KIND[self.kind].column(key).zh) if key else ""
        self.errors.append((header, message))

    def has(self, key: str) -> bool:
        return key in self.headers

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def natural_key(self) -> tuple[Any, ...]:
        return tuple(self.values.get(k) for k in columns.BY_KIND[self.kind].key)

    @property
    def label(self) -> str:
        """The row's natural key as people read it: ycl-rdhq2 / A-301 / 2025-03-01."""
        return " / ".join(
            v.isoformat() if isinstance(v, dt.date) else str(v)
            for v in self.natural_key
            if v is not None
        )


def parse_tables(tables: list[Table]) -> dict[str, list[Row]]:
    """Every row of every table, parsed and checked; by kind, in file order."""
    rows: dict[str, list[Row]] = {sheet.kind: [] for sheet in columns.SHEETS}
    for table in tables:
        for number, raw in table.rows:
            rows[table.sheet.kind].append(_parse(table, number, raw))
    for kind, kind_rows in rows.items():
        CHECKS[kind](kind_rows)
        _refuse_duplicates(kind_rows)
    return rows


def _parse(table: Table, number: int, raw: dict[str, object]) -> Row:
    row = Row(table.sheet.kind, table.title, number, {}, table.headers)
    for column in table.sheet.columns:
        if column.key not in raw:
            continue
        value = raw[column.key]
        if column.required and is_blank(value):
            row.refuse(column.key, _("This value is required."))
            continue
        try:
            row.values[column.key] = column.parse(value)
        except CellError as exc:
            row.refuse(column.key, exc.message)
    return row


def _refuse_duplicates(rows: list[Row]) -> None:
    first: dict[tuple[Any, ...], Row] = {}
    key_columns = columns.BY_KIND[rows[0].kind].key if rows else ()
    for row in rows:
        key = row.natural_key
        if None in key:
            continue  # a missing key value is refused already
        if key in first:
            row.refuse(
                None,
                _("Duplicate row: row %(row)s of sheet %(sheet)s has the same %(key)s.")
                % {
                    "row": first[key].number,
                    "sheet": f"「{first[key].sheet}」",
                    "key": "、".join(f"「{row.headers[k]}」" for k in key_columns),
                },
            )
        else:
            first[key] = row


# --- checks of one row ----------------------------------------------------------------


def _check_uscc(row: Row) -> None:
    raw = row.values.get("uscc")
    if raw is None:
        return
    row.values["uscc"] = normalise_uscc(raw)
    try:
        validate_uscc(row.values["uscc"])
    except ValidationError as exc:
        row.refuse("uscc", " ".join(exc.messages))
        row.values["uscc"] = None  # keyed on nothing: no duplicate or lookup of a bad code


def _after(row: Row, later: str, earlier: str, message: str) -> None:
    a, b = row.values.get(later), row.values.get(earlier)
    if a is not None and b is not None and a < b:
        row.refuse(later, message)


def _no_checks(rows: list[Row]) -> None:
    pass


def _check_floors(rows: list[Row]) -> None:
    for row in rows:
        if row.values.get("level") == 0:
            row.refuse(
                "level", _("There is no floor 0: the ground floor is 1, basements are -1, -2, ...")
            )


def _check_tenants(rows: list[Row]) -> None:
    for row in rows:
        _check_uscc(row)


def _check_qualifications(rows: list[Row]) -> None:
    for row in rows:
        _check_uscc(row)
        _after(
            row,
            "valid_until",
            "valid_from",
            _("The end of validity must follow its start."),
        )


def _check_leases(rows: list[Row]) -> None:
    for row in rows:
        _check_uscc(row)
        _after(
            row,
            "last_day",
            "start",
            _("The lease ends before it starts: its last day is before its start date."),
        )


CHECKS = {
    columns.CARRIERS: _no_checks,
    columns.BUILDINGS: _no_checks,
    columns.FLOORS: _check_floors,
    columns.UNITS: _check_floors,  # the floor a unit is on
    columns.TENANTS: _check_tenants,
    columns.QUALIFICATIONS: _check_qualifications,
    columns.LEASES: _check_leases,
}

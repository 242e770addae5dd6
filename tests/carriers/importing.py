"""Builders for import tests: workbooks and CSV files from plain rows, and the scopes."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.models import AnonymousUser

from carriers.imports.columns import BY_KIND, EXAMPLE_USCC
from carriers.imports.reading import Source
from carriers.imports.report import Report
from carriers.imports.service import import_space
from leasing.access import Role, Scope, scope_for
from leasing.uscc import make_uscc

ADMIN = Scope(AnonymousUser(), Role.ADMIN, frozenset(), frozenset())
USCC_B = make_uscc("91320583MA1BBBBBB")


def example(of: str, /, **changes: Any) -> dict[str, Any]:
    """The template's example row of a kind (by Chinese header), with changes by key."""
    sheet = BY_KIND[of]
    row = {c.zh: c.example for c in sheet.columns}
    for key, value in changes.items():
        row[sheet.column(key).zh] = value
    return row


def zone(**overrides: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """One row of every kind (the template's examples); override a kind's rows by kind."""
    rows = {kind: [example(kind)] for kind in BY_KIND}
    rows.update(overrides)
    return rows


def xlsx(rows: dict[str, list[dict[str, Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for kind, kind_rows in rows.items():
        tab = book.create_sheet(BY_KIND[kind].zh)
        headers = list(kind_rows[0]) if kind_rows else [c.zh for c in BY_KIND[kind].columns]
        tab.append(headers)
        for row in kind_rows:
            tab.append([_cell(row.get(h)) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    return float(value) if hasattr(value, "quantize") else value


def csv_bytes(rows: list[dict[str, Any]], encoding: str = "utf-8-sig") -> bytes:
    headers = list(rows[0])
    lines = [",".join(headers)]
    lines += [",".join("" if r.get(h) is None else str(r[h]) for h in headers) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run(
    rows: dict[str, list[dict[str, Any]]] | None = None,
    *,
    scope: Scope = ADMIN,
    dry_run: bool = False,
    data: bytes | None = None,
    name: str = "zone.xlsx",
) -> Report:
    payload = data if data is not None else xlsx(rows if rows is not None else zone())
    return import_space([Source(name, payload)], scope=scope, dry_run=dry_run)


def manager_scope(user: Any) -> Scope:
    return scope_for(user)


__all__ = ["EXAMPLE_USCC", "USCC_B"]

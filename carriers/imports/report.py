"""The outcome of an import, as people read it: counts per kind and row by row.

Plain data (it is kept as JSON between a dry run and its confirmation), and
the text the management command prints. Messages are in the language active
when the import ran.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from carriers.imports import columns
from carriers.imports.rows import CREATE, REFUSED, UNCHANGED, UPDATE, Row

ACTIONS = (CREATE, UPDATE, UNCHANGED, REFUSED)


def action_label(action: str) -> str:
    return {
        CREATE: _("create"),
        UPDATE: _("update"),
        UNCHANGED: _("unchanged"),
        REFUSED: _("refused"),
    }[action]


@dataclass
class RowResult:
    kind: str
    sheet: str
    number: int
    label: str
    action: str
    changes: list[str] = field(default_factory=list)
    errors: list[list[str]] = field(default_factory=list)  # [header, message]

    def error_lines(self) -> list[str]:
        lines = []
        for header, message in self.errors:
            values = {"sheet": f"「{self.sheet}」", "row": self.number, "message": message}
            if header:
                lines.append(
                    _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s")
                    % {**values, "column": f"「{header}」"}
                )
            else:
                lines.append(_("Sheet %(sheet)s, row %(row)d: %(message)s") % values)
        return lines


@dataclass
class Report:
    sources: list[str]
    dry_run: bool
    applied: bool = False
    file_errors: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused(self) -> bool:
        return bool(self.file_errors) or any(r.errors for r in self.rows)

    def counts(self) -> list[tuple[str, str, Counter[str]]]:
        """(kind, label, count per action) for each kind with rows, in import order."""
        by_kind: dict[str, Counter[str]] = {}
        for row in self.rows:
            by_kind.setdefault(row.kind, Counter())[row.action] += 1
        return [
            (sheet.kind, str(sheet.label), by_kind[sheet.kind])
            for sheet in columns.SHEETS
            if sheet.kind in by_kind
        ]

    def error_lines(self) -> list[str]:
        return [*self.file_errors, *(line for r in self.rows for line in r.error_lines())]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        rows = [RowResult(**row) for row in data.pop("rows", [])]
        return cls(**data, rows=rows)


def row_results(rows: dict[str, list[Row]]) -> list[RowResult]:
    results = []
    for sheet in columns.SHEETS:
        for row in rows.get(sheet.kind, []):
            action = REFUSED if row.errors else row.action or UNCHANGED
            results.append(
                RowResult(
                    kind=row.kind,
                    sheet=row.sheet,
                    number=row.number,
                    label=row.label,
                    action=action,
                    changes=list(dict.fromkeys(row.changes)) if action == UPDATE else [],
                    errors=[[header, message] for header, message in row.errors],
                )
            )
    return results


def summary_text(report: Report, *, every_row: bool = False) -> str:
    """The summary table, then the errors (and with every_row, each row's action)."""
    lines = []
    if report.applied:
        lines.append(_("Imported: nothing was refused, every change below is saved."))
    elif report.refused:
        lines.append(_("Refused: nothing was saved. Correct the rows below and import again."))
    else:
        lines.append(_("Dry run: nothing was saved. These changes would be made:"))
    headers = [_("Kind"), *(action_label(a) for a in ACTIONS)]
    table = [headers] + [
        [label, *(str(counts[a]) for a in ACTIONS)] for _kind, label, counts in report.counts()
    ]
    widths = [max(_width(r[i]) for r in table) for i in range(len(headers))]
    for r in table:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(r, widths, strict=True)))
    errors = report.error_lines()
    if errors:
        lines.append("")
        lines.append(_("Errors (%(n)d):") % {"n": len(errors)})
        lines.extend(f"- {line}" for line in errors)
    if every_row:
        lines.append("")
        for row in report.rows:
            detail = f" ({'、'.join(row.changes)})" if row.changes else ""
            lines.append(
                f"「{row.sheet}」 {row.number}: {row.label} → {action_label(row.action)}{detail}"
            )
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))

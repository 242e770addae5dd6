"""The tables of the reports, and their Excel (openpyxl) and CSV forms.

One set of tables feeds the PDF, the workbook and the CSV files, so the three
always agree. A table is plain data (typed values, one format per column);
the writers decide how each format looks.

Every table is read with a fixed number of queries: the per-building and
per-floor figures come from reports.metrics.occupancy_by (one grouped query),
never from a loop over buildings or floors, and the district's tables the same
over all carriers at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from carriers.models import Building, Carrier, Floor, Unit
from carriers.status import AVAILABLE_SOON_DAYS, UnitStatus
from leasing.models import Allocation
from reports import labels
from reports.metrics import Figure, occupancy_by, occupancy_by_each
from reports.summary import Summary, summary

# Column formats.
TEXT = "text"
PERCENT = "percent"  # a ratio 0–1
AREA = "area"  # m², two decimals
MONEY = "money"  # CNY per m² per month
INT = "int"
DATE = "date"
NUMBER = "number"  # a plain decimal

EXCEL_FORMATS = {
    PERCENT: "0.0%",
    AREA: "#,##0.00",
    MONEY: "#,##0.00",
    INT: "#,##0",
    DATE: "yyyy-mm-dd",
    NUMBER: "#,##0.00##",
}

# A cell starting with one of these is a formula to Excel, LibreOffice and
# Google Sheets: a tenant called "=HYPERLINK(...)" must stay a name.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Column:
    header: str
    format: str = TEXT
    width: int = 14  # Excel column width, in characters


@dataclass
class Table:
    key: str  # file and sheet name: kpis, buildings, floors, ...
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""  # the basis and date the whole table shares

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


# --- what the tables hold ------------------------------------------------------------------


def _basis(figure: Figure) -> str:
    return labels.basis_label(figure.basis)


def _when(figure: Figure) -> str:
    return labels.when_label(figure)


def kpi_table(result: Summary) -> Table:
    """Every figure with its value, numerator, denominator, basis, date and exclusions."""
    table = Table(
        "kpis",
        _("Key figures"),
        [
            Column(_("Figure"), width=30),
            Column(_("Value"), width=14),
            Column(_("Value (number)"), NUMBER),
            Column(_("Numerator"), NUMBER),
            Column(_("Denominator"), NUMBER),
            Column(_("Basis"), width=12),
            Column(_("Date or period"), width=24),
            Column(_("Month on month"), width=14),
            Column(_("Year on year"), width=14),
            Column(_("Leaves out"), width=80),
        ],
        note=_("On %(day)s; periods are the twelve months up to and including that day.")
        % {"day": result.on.isoformat()},
    )
    for name, figure in result.figures.items():
        table.rows.append(
            [
                labels.label(name),
                labels.display(figure),
                figure.value,
                figure.numerator,
                figure.denominator,
                _basis(figure),
                _when(figure),
                labels.format_change(name, result.mom.get(name)),
                labels.format_change(name, result.yoy.get(name)),
                "; ".join(figure.excludes),
            ]
        )
    return table


def _occupancy_columns() -> list[Column]:
    return [
        Column(_("Leasable units"), INT, 10),
        Column(_("Allocated units"), INT, 10),
        Column(_("Occupancy by count"), PERCENT, 12),
        Column(_("Leasable area (m²)"), AREA, 14),
        Column(_("Allocated area (m²)"), AREA, 14),
        Column(_("Occupancy by area"), PERCENT, 12),
        Column(_("Vacancy by area"), PERCENT, 12),
        Column(_("Exposure: area ending within 90 days"), PERCENT, 14),
        Column(_("Economic occupancy (rent)"), PERCENT, 14),
    ]


def _occupancy_cells(figures: dict[str, Figure] | None) -> list[Any]:
    """The occupancy columns of one group; a group with no units at all gets blanks."""
    if figures is None:
        return [0, 0, None, Decimal(0), Decimal(0), None, None, None, None]
    count, area = figures["occupancy_count"], figures["occupancy_area"]
    return [
        int(count.denominator),
        int(count.numerator),
        count.value,
        area.denominator,
        area.numerator,
        area.value,
        figures["vacancy_area"].value,
        figures["exposure_area"].value,
        figures["occupancy_economic"].value,
    ]


def _note(day: dt.date) -> str:
    return _(
        "On %(day)s. Leasable: vacant, held, occupied and available-soon units; "
        "not for lease, retired, not yet in service and unlet units under fit-out "
        "are left out. Unexpired holds count as allocated."
    ) % {"day": day.isoformat()}


@dataclass
class FloorRow:
    floor_id: int
    carrier_id: int
    building: str
    label: str
    level: int


def floor_rows(carrier_ids: Iterable[int]) -> list[FloorRow]:
    """Every floor of the carriers with its building, in building and level order: 1 query."""
    rows = (
        Floor.objects.filter(building__carrier_id__in=list(carrier_ids))
        .order_by("building__carrier_id", "building__code", "level")
        .values_list("pk", "building__carrier_id", "building__name", "label", "level")
    )
    return [FloorRow(*row) for row in rows]


def building_table(
    carrier: Carrier, day: dt.date, figures: dict[int, dict[str, Figure]] | None = None
) -> Table:
    """By building; `figures`: occupancy_by(..., "building") if the caller has it."""
    if figures is None:
        figures = occupancy_by(Unit.objects.filter(carrier=carrier), day, "building")
    table = Table(
        "buildings",
        _("By building"),
        [Column(_("Code"), width=8), Column(_("Building"), width=20), *_occupancy_columns()],
        note=_note(day),
    )
    for pk, code, name in (
        Building.objects.filter(carrier=carrier).order_by("code").values_list("pk", "code", "name")
    ):
        table.rows.append([code, name, *_occupancy_cells(figures.get(pk))])
    return table


def floor_table(
    day: dt.date,
    floors: Sequence[FloorRow],
    figures: dict[int, dict[str, Figure]],
    carrier_names: dict[int, str] | None = None,
) -> Table:
    """By floor; with carrier_names, a district table with the carrier in front."""
    lead = [Column(_("Carrier"), width=30)] if carrier_names else []
    table = Table(
        "floors",
        _("By floor"),
        [
            *lead,
            Column(_("Building"), width=20),
            Column(_("Floor"), width=8),
            *_occupancy_columns(),
        ],
        note=_note(day),
    )
    for floor in floors:
        carrier = [carrier_names[floor.carrier_id]] if carrier_names else []
        table.rows.append(
            [*carrier, floor.building, floor.label, *_occupancy_cells(figures.get(floor.floor_id))]
        )
    return table


def vacant_table(carrier: Carrier, day: dt.date) -> Table:
    """Vacant units and units whose lease ends within 90 days with no renewal: 1 query."""
    units = (
        Unit.objects.filter(carrier=carrier)
        .with_status(day)
        .filter(status__in=(UnitStatus.VACANT, UnitStatus.AVAILABLE_SOON))
        .order_by("floor__building__code", "floor__level", "code")
        .values_list(
            "code",
            "floor__building__name",
            "floor__label",
            "kind",
            "gross_area",
            "seats",
            "turnkey",
            "list_rent",
            "status",
            "current_end",
        )
    )
    kinds, statuses = dict(Unit.Kind.choices), dict(UnitStatus.choices)
    table = Table(
        "vacant",
        _("Vacant and available-soon units"),
        [
            Column(_("Unit"), width=10),
            Column(_("Building"), width=20),
            Column(_("Floor"), width=8),
            Column(_("Kind"), width=12),
            Column(_("Gross area (m²)"), AREA),
            Column(_("Seats"), INT, 8),
            Column(_("Turnkey (拎包入住)"), width=10),
            Column(_("List rent (CNY/m²/month)"), MONEY),
            Column(_("Status"), width=12),
            Column(_("Free from"), DATE, 12),
        ],
        note=_(
            "On %(day)s. Available soon: a lease ends within %(days)s days and nothing "
            "continues it."
        )
        % {"day": day.isoformat(), "days": AVAILABLE_SOON_DAYS},
    )
    for code, building, floor, kind, area, seats, turnkey, rent, status, end in units:
        table.rows.append(
            [
                code,
                building,
                floor,
                str(kinds.get(kind, kind)),
                area,
                seats,
                _("Yes") if turnkey else _("No"),
                rent,
                str(statuses.get(status, status)),
                end if status == UnitStatus.AVAILABLE_SOON else day,
            ]
        )
    return table


def ending_table(carrier: Carrier, day: dt.date) -> Table:
    """Signed leases covering the date that end within 90 days, renewed or not: 1 query."""
    soon = day + dt.timedelta(days=AVAILABLE_SOON_DAYS)
    renewal = Allocation.objects.filter(
        unit_id=OuterRef("unit_id"),
        start=OuterRef("end"),
        state__in=(Allocation.State.HELD, Allocation.State.ACTIVE),
    )
    leases = (
        Allocation.objects.filter(
            unit__carrier=carrier,
            state__in=(Allocation.State.ACTIVE, Allocation.State.ENDED),
            start__lte=day,
            end__gt=day,
            end__lte=soon,
        )
        .annotate(renewed=Exists(renewal))
        .order_by("end", "unit__code")
        .values_list(
            "unit__code",
            "unit__floor__building__name",
            "tenant__name",
            "unit__gross_area",
            "contracted_rent",
            "start",
            "end",
            "renewed",
        )
    )
    table = Table(
        "ending",
        _("Leases ending within 90 days"),
        [
            Column(_("Unit"), width=10),
            Column(_("Building"), width=20),
            Column(_("Tenant"), width=30),
            Column(_("Gross area (m²)"), AREA),
            Column(_("Contracted rent (CNY/m²/month)"), MONEY),
            Column(_("Start"), DATE, 12),
            Column(_("Last day"), DATE, 12),
            Column(_("Renewed"), width=8),
        ],
        note=_("Leases covering %(day)s whose last day is within %(days)s days.")
        % {"day": day.isoformat(), "days": AVAILABLE_SOON_DAYS},
    )
    for code, building, tenant, area, rent, start, end, renewed in leases:
        table.rows.append(
            [
                code,
                building,
                tenant,
                area,
                rent,
                start,
                end - dt.timedelta(days=1),
                _("Yes") if renewed else _("No"),
            ]
        )
    return table


@dataclass
class CarrierTables:
    carrier: Carrier
    day: dt.date
    summary: Summary
    buildings: Table
    floors: Table
    vacant: Table
    ending: Table
    floor_figures: dict[int, dict[str, Figure]]
    floor_list: list[FloorRow]

    @property
    def kpis(self) -> Table:
        return kpi_table(self.summary)

    def tables(self) -> list[Table]:
        return [self.kpis, self.buildings, self.floors, self.vacant, self.ending]


def carrier_tables(carrier: Carrier, day: dt.date) -> CarrierTables:
    units = Unit.objects.filter(carrier=carrier)
    floors = floor_rows([carrier.pk])
    by = occupancy_by_each(units, day, ("floor", "building"))
    figures = by["floor"]
    return CarrierTables(
        carrier=carrier,
        day=day,
        summary=summary(units, day),
        buildings=building_table(carrier, day, by["building"]),
        floors=floor_table(day, floors, figures),
        vacant=vacant_table(carrier, day),
        ending=ending_table(carrier, day),
        floor_figures=figures,
        floor_list=floors,
    )


CARRIER_TABLES = ("kpis", "buildings", "floors", "vacant", "ending")


# --- the district ----------------------------------------------------------------------------


def league_table(
    carriers: Sequence[Carrier], day: dt.date, figures: dict[int, dict[str, Figure]]
) -> Table:
    """Carriers ranked by occupancy by area (no figure last), then by code."""
    kinds, levels = dict(Carrier.Kind.choices), dict(Carrier.Level.choices)
    table = Table(
        "league",
        _("Carriers ranked by occupancy by area"),
        [
            Column(_("Rank"), INT, 6),
            Column(_("Code"), width=10),
            Column(_("Carrier"), width=36),
            Column(_("Kind"), width=14),
            Column(_("Recognition level"), width=10),
            *_occupancy_columns(),
        ],
        note=_note(day),
    )

    def order(carrier: Carrier) -> tuple[bool, Decimal, str]:
        value = (figures.get(carrier.pk) or {}).get("occupancy_area")
        missing = value is None or value.value is None
        return (missing, -(Decimal(0) if missing else value.value), carrier.code)

    for rank, carrier in enumerate(sorted(carriers, key=order), start=1):
        table.rows.append(
            [
                rank,
                carrier.code,
                carrier.name,
                str(kinds.get(carrier.kind, carrier.kind)),
                str(levels.get(carrier.level, carrier.level)),
                *_occupancy_cells(figures.get(carrier.pk)),
            ]
        )
    return table


@dataclass
class DistrictTables:
    day: dt.date
    carriers: list[Carrier]
    summary: Summary
    carrier_figures: dict[int, dict[str, Figure]]
    floor_figures: dict[int, dict[str, Figure]]
    floor_list: list[FloorRow]

    @property
    def kpis(self) -> Table:
        return kpi_table(self.summary)

    @property
    def league(self) -> Table:
        return league_table(self.carriers, self.day, self.carrier_figures)

    @property
    def floors(self) -> Table:
        names = {c.pk: c.name for c in self.carriers}
        return floor_table(self.day, self.floor_list, self.floor_figures, names)

    def tables(self) -> list[Table]:
        return [self.kpis, self.league, self.floors]


DISTRICT_TABLES = ("kpis", "league", "floors")


def district_tables(
    carriers: QuerySet[Carrier] | Sequence[Carrier], day: dt.date
) -> DistrictTables:
    """Everything the district report reads, in a fixed number of grouped queries."""
    carriers = list(carriers)
    ids = [c.pk for c in carriers]
    units = Unit.objects.filter(carrier_id__in=ids)
    return DistrictTables(
        day=day,
        carriers=carriers,
        summary=summary(units, day),
        carrier_figures=occupancy_by(units, day, "carrier"),
        floor_figures=occupancy_by(units, day, "floor"),
        floor_list=floor_rows(ids),
    )


# --- writers ---------------------------------------------------------------------------------


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    clean = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def to_xlsx(
    tables: Sequence[Table],
    *,
    title: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A workbook, one sheet per table, streamed (write-only) so size costs no memory."""
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    bold = Font(bold=True)
    used: set[str] = set()
    for done, table in enumerate(tables):
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        for i, column in enumerate(table.columns):
            letter = _column_letter(i)
            sheet.column_dimensions[letter].width = column.width
        sheet.freeze_panes = "A4"
        heading = _text_cell(sheet, f"{title} · {table.title}")
        heading.font = Font(bold=True, size=13)
        sheet.append([heading])
        sheet.append([_text_cell(sheet, table.note)])
        header_cells = []
        for column in table.columns:
            cell = _text_cell(sheet, column.header)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in table.rows:
            sheet.append(_xlsx_row(sheet, table.columns, row))
        if progress:
            progress(done + 1, len(tables))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_cell(sheet: Any, text: str) -> Any:
    """Text that stays text: a string cell is never run as a formula, so no apostrophe.

    (openpyxl would store "=..." as a formula; CSV has no cell types, so
    CSV values keep defuse()'s apostrophe instead.)
    """
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _xlsx_row(sheet: Any, columns: Sequence[Column], row: Sequence[Any]) -> list[Any]:
    cells = []
    for column, value in zip(columns, row, strict=True):
        if value is None or column.format == TEXT:
            text = "—" if value is None and column.format != TEXT else value
            cells.append(_text_cell(sheet, text) if isinstance(text, str) else text)
            continue
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = EXCEL_FORMATS.get(column.format, "General")
        cells.append(cell)
    return cells


def _csv_value(column: Column, value: Any) -> Any:
    if value is None:
        return ""
    if column.format == PERCENT:
        # A ratio 0–1, written as is: 0.8750 means 87.5 %, as the header says.
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return defuse(value)


def to_csv(table: Table) -> bytes:
    """One table as CSV: UTF-8 with a byte-order mark, so Excel reads the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [defuse(c.header + (" (0–1)" if c.format == PERCENT else "")) for c in table.columns]
    )
    for row in table.rows:
        writer.writerow([_csv_value(c, v) for c, v in zip(table.columns, row, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")

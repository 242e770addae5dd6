"""Excel and CSV exports: the same tables as the PDF, figures equal to the metrics."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from carriers.models import Carrier, Floor
from reports import exports
from reports.metrics import occupancy_by, occupancy_on
from tests.reports.report_world import X_NAME, ReportWorld, media, units_of, world

pytestmark = pytest.mark.django_db
__all__ = ["media", "world"]


def rows_of(sheet) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_it_defuses_text_a_spreadsheet_would_run() -> None:
    for text in ("=1+1", "+86 512", "-2", "@SUM(A1)", "\tx"):
        assert exports.defuse(text) == "'" + text
    for safe in ("阳澄湖", "A栋", "", "1F"):
        assert exports.defuse(safe) == safe
    assert exports.defuse(-2) == -2  # numbers are numbers


def test_it_exports_the_carrier_tables_with_the_metrics_figures(world: ReportWorld) -> None:
    with translation.override("en"):
        tables = exports.carrier_tables(world.x, world.day)
        data = exports.to_xlsx(tables.tables(), title=world.x.name)

    book = load_workbook(io.BytesIO(data))
    assert len(book.sheetnames) == 5
    by_floor = rows_of(book["By floor"])
    assert by_floor[0][0] == f"{X_NAME} · By floor"
    header = by_floor[2]
    assert header[:3] == ["Building", "Floor", "Leasable units"]
    body = {(row[0], row[1]): row for row in by_floor[3:]}
    figures = occupancy_by(units_of(world.x), world.day, "floor")
    for floor in Floor.objects.filter(building__carrier=world.x):
        row = body[(floor.building.name, floor.label)]
        expected = figures[floor.pk]["occupancy_area"]
        got = row[header.index("Occupancy by area")]
        if expected.value is None:
            assert got == "—"
        else:
            assert Decimal(str(got)) == expected.value
        assert Decimal(str(row[header.index("Leasable area (m²)")])) == expected.denominator
    # Floor 1 is fully let, floor 3 has one leasable unit, vacant.
    assert Decimal(str(body[("A栋", "1F")][header.index("Occupancy by area")])) == 1
    assert Decimal(str(body[("A栋", "3F")][header.index("Occupancy by area")])) == 0

    kpis = rows_of(book["Key figures"])
    kpi_header = kpis[2]
    occupancy = next(row for row in kpis[3:] if row[0] == "Occupancy by area")
    expected = occupancy_on(units_of(world.x), world.day)["occupancy_area"]
    assert Decimal(str(occupancy[kpi_header.index("Value (number)")])) == expected.value
    assert occupancy[kpi_header.index("Basis")] == "by gross area"
    assert occupancy[kpi_header.index("Date or period")] == world.day.isoformat()
    assert "Not for lease: 1 units" in occupancy[kpi_header.index("Leaves out")]


def test_it_keeps_a_formula_like_tenant_name_as_text(world: ReportWorld) -> None:
    with translation.override("en"):
        tables = exports.carrier_tables(world.x, world.day)
    book = load_workbook(io.BytesIO(exports.to_xlsx(tables.tables(), title="x")))
    ending = rows_of(book["Leases ending within 90 days"])
    names = [row[2] for row in ending[3:]]
    # Stored as a string cell: shown exactly as typed, never run as a formula.
    assert names == [world.ending_tenant.name]
    assert all(
        cell.data_type != "f" for row in book["Leases ending within 90 days"] for cell in row
    )

    data = exports.to_csv(tables.ending)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][2] == "'" + world.ending_tenant.name


def test_it_writes_generated_text_to_excel_without_apostrophes(world: ReportWorld) -> None:
    with translation.override("en"):
        tables = exports.carrier_tables(world.x, world.day)
    book = load_workbook(io.BytesIO(exports.to_xlsx(tables.tables(), title="x")))
    texts = [c.value for sheet in book for row in sheet for c in row if isinstance(c.value, str)]
    assert texts and not [t for t in texts if t.startswith("'")]


def test_it_writes_csv_with_a_bom_and_chinese_intact(world: ReportWorld) -> None:
    tables = exports.carrier_tables(world.x, world.day)

    data = exports.to_csv(tables.floors)

    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert [row[:2] for row in rows[1:]] == [["A栋", "1F"], ["A栋", "2F"], ["A栋", "3F"]]
    # Ratios as numbers 0–1, as the header says; no figure is an empty cell.
    # Headers are translated when the tables are built: build them in English too.
    with translation.override("en"):
        english = exports.carrier_tables(world.x, world.day)
        header = exports.to_csv(english.floors).decode("utf-8-sig").splitlines()[0]
    assert "Occupancy by area (0–1)" in header


def test_it_lists_vacant_and_ending_units(world: ReportWorld) -> None:
    tables = exports.carrier_tables(world.x, world.day)

    vacant = {row[0] for row in tables.vacant.rows}
    ending = [row[0] for row in tables.ending.rows]

    # X-102's lease ends in 30 days: available soon. X-302 is not for lease.
    assert vacant == {"X-102", "X-202", "X-301"}
    assert ending == ["X-102"]


def test_it_exports_the_district_league_and_floors(world: ReportWorld) -> None:
    with translation.override("en"):
        district = exports.district_tables(Carrier.objects.all(), world.day)
        book = load_workbook(io.BytesIO(exports.to_xlsx(district.tables(), title="district")))

    # Sheets in table order (a sheet name is cut at Excel's 31 characters).
    league = rows_of(book.worksheets[1])
    header = league[2]
    ranked = [(row[0], row[1]) for row in league[3:]]
    # Y is fully let (one unit), X is not: Y ranks first.
    assert ranked == [(1, world.y.code), (2, world.x.code)]
    figures = occupancy_by(units_of(world.x).model.objects.all(), world.day, "carrier")
    x_row = next(row for row in league[3:] if row[1] == world.x.code)
    assert Decimal(str(x_row[header.index("Occupancy by area")])) == (
        figures[world.x.pk]["occupancy_area"].value
    )
    floors = rows_of(book.worksheets[2])
    assert {row[0] for row in floors[3:]} == {world.x.name, world.y.name}

"""Bulk import: every kind of bad row, all or nothing, dry runs and re-imports (docs/import.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from carriers.imports.template import template_workbook
from carriers.models import Building, Carrier, Floor, Unit
from leasing.models import Allocation, Event, Qualification, Tenant
from tests.carriers.importing import (
    ADMIN,
    EXAMPLE_USCC,
    USCC_B,
    csv_bytes,
    example,
    manager_scope,
    run,
    zone,
)
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import make_lease, make_manager

pytestmark = pytest.mark.django_db

NOT_A_SPREADSHEET = "%(name)s is not an Excel workbook (.xlsx) or a CSV file."
NO_ROWS = "There are no rows to import: the file has headers but no data."


@pytest.fixture(autouse=True)
def _chinese() -> None:
    translation.activate("zh-hans")
    yield
    translation.deactivate()


def counts() -> tuple[int, ...]:
    return (
        Carrier.objects.count(),
        Building.objects.count(),
        Floor.objects.count(),
        Unit.objects.count(),
        Tenant.objects.count(),
        Qualification.objects.count(),
        Allocation.objects.count(),
        Event.objects.count(),
    )


def errors_of(report) -> str:
    return "\n".join(report.error_lines())


# --- the template and re-imports ----------------------------------------------------------


def test_it_imports_the_downloaded_template() -> None:
    report = run(data=template_workbook(), name="template.xlsx")

    assert report.applied, errors_of(report)
    assert counts() == (1, 1, 1, 1, 1, 1, 1, 1)
    unit = Unit.objects.get(code="A-301")
    assert unit.carrier.code == "demo-inc" and unit.floor.level == 3
    assert unit.gross_area == Decimal("180.50") and unit.turnkey
    lease = Allocation.objects.get()
    # The sheet's last day is inclusive; the ledger's end is the day after.
    assert (lease.start, lease.end) == (dt.date(2023, 3, 1), dt.date(2026, 3, 1))
    assert lease.tenant.uscc == EXAMPLE_USCC
    assert Qualification.objects.get().valid_to == dt.date(2025, 5, 1)
    event = Event.objects.get()
    assert (event.allocation, event.from_state, event.to_state) == (lease, "", lease.state)


def test_it_updates_by_natural_keys_on_a_second_import_and_duplicates_nothing() -> None:
    assert run().applied
    before = counts()

    again = run()
    changed = run(
        zone(units=[example("units", gross_area=Decimal("200.00"))]),
    )

    assert again.applied and {r.action for r in again.rows} == {"unchanged"}
    assert changed.applied
    assert [r.action for r in changed.rows if r.kind == "units"] == ["update"]
    assert counts() == before
    assert Unit.objects.get().gross_area == Decimal("200.00")


def test_it_updates_a_lease_and_records_the_change() -> None:
    assert run(zone(leases=[example("leases", last_day="2099-02-28")])).applied
    report = run(zone(leases=[example("leases", last_day="2100-02-28")]))

    assert report.applied, errors_of(report)
    lease = Allocation.objects.get()
    assert lease.end == dt.date(2100, 3, 1)
    assert Event.objects.filter(allocation=lease).count() == 2


def test_it_writes_nothing_on_a_dry_run() -> None:
    report = run(dry_run=True)

    assert not report.refused and not report.applied
    assert {r.action for r in report.rows} == {"create"}
    assert counts() == (0,) * 8


def test_it_writes_nothing_when_one_row_among_good_ones_is_refused() -> None:
    units = [example("units"), example("units", unit="A-302", gross_area=0)]

    report = run(zone(units=units))

    assert report.refused and not report.applied
    assert counts() == (0,) * 8
    assert [r.action for r in report.rows if r.kind == "units"] == ["create", "refused"]


# --- bad rows -----------------------------------------------------------------------------


def refused(rows: dict, *, contains: str, sheet: str = "", row: int | None = None) -> None:
    before = counts()
    report = run(rows)
    text = errors_of(report)
    assert report.refused, "expected a refusal"
    assert contains in text, text
    if sheet:
        assert f"「{sheet}」" in text, text
    if row is not None:
        assert any(r.number == row and r.errors for r in report.rows), text
    assert counts() == before, "a refused import wrote something"


def test_it_refuses_a_bad_uscc() -> None:
    bad = EXAMPLE_USCC[:-1] + ("0" if EXAMPLE_USCC[-1] != "0" else "1")
    refused(
        zone(tenants=[example("tenants", uscc=bad)], qualifications=[], leases=[]),
        contains="校验",
        sheet="企业",
        row=2,
    )


def test_it_refuses_leases_overlapping_each_other_in_the_file() -> None:
    leases = [
        example("leases"),
        example("leases", start="2024-01-01", last_day="2024-12-31"),
    ]
    report = run(zone(leases=leases))

    assert report.refused
    assert [r.action for r in report.rows if r.kind == "leases"] == ["refused", "refused"]
    assert Allocation.objects.count() == 0


def test_it_refuses_a_lease_overlapping_one_on_file() -> None:
    assert run(zone(leases=[])).applied
    unit = Unit.objects.get()
    other = make_tenant(name="昆山已入驻科技有限公司")
    existing = make_lease(unit, dt.date(2024, 6, 1), dt.date(2025, 6, 1), tenant=other)

    report = run(zone(leases=[example("leases")]))

    assert report.refused
    assert f"#{existing.pk}" in errors_of(report) and other.name in errors_of(report)
    assert Allocation.objects.count() == 1


def test_it_refuses_giving_a_lease_on_file_to_another_company() -> None:
    assert run().applied
    tenants = [example("tenants"), example("tenants", uscc=USCC_B, name="昆山乙企业有限公司")]
    report = run(zone(tenants=tenants, leases=[example("leases", uscc=USCC_B)]))

    assert report.refused
    assert [r.action for r in report.rows if r.kind == "leases"] == ["refused"]
    assert "「统一社会信用代码」" in errors_of(report)


def test_it_refuses_unknown_carriers_buildings_floors_and_units() -> None:
    refused(
        zone(carriers=[], buildings=[example("buildings", carrier="nowhere")]),
        contains="nowhere",
        sheet="楼栋",
    )
    refused(zone(floors=[]), contains="楼层", sheet="单元")
    refused(zone(buildings=[]), contains="楼栋", sheet="楼层")
    refused(zone(leases=[example("leases", unit="Z-999")]), contains="Z-999", sheet="租约")


def test_it_refuses_zero_and_negative_areas() -> None:
    refused(zone(units=[example("units", gross_area=0)]), contains="「建筑面积」", sheet="单元")
    refused(zone(units=[example("units", usable_area=-5)]), contains="「套内面积」", sheet="单元")


def test_it_refuses_usable_area_over_gross() -> None:
    refused(zone(units=[example("units", usable_area=Decimal("999"))]), contains="套内面积")


def test_it_refuses_impossible_dates() -> None:
    refused(
        zone(leases=[example("leases", last_day="2023-02-01")]), contains="「到期日」", sheet="租约"
    )
    refused(zone(units=[example("units", in_service_from="2023-02-30")]), contains="2023-02-30")
    refused(zone(units=[example("units", in_service_from="下个月")]), contains="下个月")
    refused(zone(units=[example("units", retired_on="2022-01-01")]), contains="停用")


def test_it_refuses_a_lease_before_its_unit_comes_into_service() -> None:
    refused(zone(leases=[example("leases", start="2022-01-01")]), contains="2023-01-01")


def test_it_refuses_duplicate_rows() -> None:
    refused(
        zone(units=[example("units"), example("units", gross_area=Decimal("190"))]),
        contains="「单元」",
        sheet="单元",
        row=3,
    )


def test_it_refuses_missing_required_values_and_bad_choices() -> None:
    refused(zone(units=[example("units", gross_area=None)]), contains="「建筑面积」", sheet="单元")
    refused(zone(carriers=[example("carriers", kind="火箭基地")]), contains="火箭基地")
    refused(zone(units=[example("units", turnkey_package=None)]), contains="拎包入住")


def test_it_names_sheet_row_and_column_in_chinese() -> None:
    report = run(zone(units=[example("units", gross_area=-1)]))

    line = _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
        "sheet": "「单元」",
        "row": 2,
        "column": "「建筑面积」",
        "message": _("Must be greater than zero."),
    }
    assert errors_of(report) == line


# --- files --------------------------------------------------------------------------------


def test_it_imports_csv_files_in_utf8_with_bom_and_in_gb18030() -> None:
    for encoding in ("utf-8-sig", "utf-8", "gb18030"):
        data = csv_bytes([example("carriers", name=f"载体{encoding}")], encoding)
        report = run(data=data, name="载体.csv")
        assert report.applied, (encoding, errors_of(report))
    assert Carrier.objects.get().name == "载体gb18030"


def test_it_recognises_a_csv_files_kind_by_its_headers() -> None:
    report = run(data=csv_bytes([example("carriers")]), name="export-2025.csv")

    assert report.applied, errors_of(report)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "zone.xlsx", "The file %(name)s is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "photo.png", NOT_A_SPREADSHEET),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.xls", ".xls"),
        (b"PK\x03\x04 not really a zip", "zone.xlsx", NOT_A_SPREADSHEET),
        ("载体编码,颜色\nx,红\n".encode(), "carriers.csv", "「颜色」"),
        (b"\xff\xfe\xff\xff,\xff\n", "zone.csv", "GB18030"),
        ("载体编码,载体名称,载体类型\n".encode(), "载体.csv", NO_ROWS),
    ],
)
def test_it_refuses_bad_files_whole(data: bytes, name: str, message: str) -> None:
    report = run(data=data, name=name)

    assert report.file_errors and not report.rows
    expected = _(message) % {"name": name} if "%" in message else _(message)
    assert expected in " ".join(report.file_errors), report.file_errors
    assert counts() == (0,) * 8


def test_it_refuses_a_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from carriers.imports import reading

    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    report = run()

    assert report.file_errors and "zone.xlsx" in report.file_errors[0]


def test_it_refuses_an_unknown_sheet() -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "杂项"
    book.active.append(["a"])
    book.active.append(["b"])
    import io

    out = io.BytesIO()
    book.save(out)
    report = run(data=out.getvalue())

    assert report.file_errors and "杂项" in report.file_errors[0]


# --- scope --------------------------------------------------------------------------------


def test_it_lets_a_manager_import_only_their_carriers_rows() -> None:
    assert run(zone(leases=[])).applied
    own = Carrier.objects.get()
    other = make_carrier(code="other", name="别家载体")
    make_unit(other, code="O-1")
    manager = make_manager(own)
    scope = manager_scope(manager)
    tenants = [example("tenants", uscc=USCC_B, name="昆山乙企业有限公司")]

    ok = run(
        zone(
            carriers=[],
            units=[example("units", seats=20)],
            tenants=tenants,
            qualifications=[example("qualifications", uscc=USCC_B)],
            leases=[],
        ),
        scope=scope,
    )
    foreign = run(zone(carriers=[], buildings=[example("buildings", carrier="other")]), scope=scope)
    new = run(zone(carriers=[example("carriers", carrier="brand-new", name="新载体")]), scope=scope)
    missing = run(
        zone(carriers=[], buildings=[example("buildings", carrier="nowhere")]), scope=scope
    )

    assert ok.applied, errors_of(ok)
    assert Unit.objects.get(code="A-301").seats == 20
    cases = ((foreign, "other", "楼栋"), (new, "brand-new", "载体"), (missing, "nowhere", "楼栋"))
    for report, code, sheet in cases:
        assert report.refused
        # The same words whether the carrier exists or not: nothing learned of others.
        message = _("Carrier %(code)s is not one of the carriers you manage.") % {"code": code}
        line = _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
            "sheet": f"「{sheet}」",
            "row": 2,
            "column": "「载体编码」",
            "message": message,
        }
        assert line in report.error_lines(), errors_of(report)
    assert not Carrier.objects.filter(code="brand-new").exists()


def test_it_keeps_another_managers_company_as_it_is() -> None:
    assert run(zone(leases=[])).applied
    own = Carrier.objects.get()
    manager = make_manager(own)
    stranger = make_tenant(name="昆山别家企业有限公司", uscc=USCC_B)
    tenants = [example("tenants", uscc=USCC_B, name="改掉的名字")]

    report = run(
        zone(carriers=[], tenants=tenants, qualifications=[], leases=[]),
        scope=manager_scope(manager),
    )

    assert report.applied
    stranger.refresh_from_db()
    assert stranger.name == "昆山别家企业有限公司"


@pytest.mark.postgres
def test_it_reports_the_row_the_exclusion_constraint_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The plan's own overlap check switched off: PostgreSQL's constraint still refuses."""
    from carriers.imports import planning

    assert run(zone(leases=[])).applied
    unit = Unit.objects.get()
    existing = make_lease(unit, dt.date(2024, 6, 1), dt.date(2025, 6, 1), tenant=make_tenant())
    monkeypatch.setattr(planning, "_ledger", lambda plan, ids: {})

    report = run(zone(leases=[example("leases")]))

    assert report.refused and not report.applied
    assert f"#{existing.pk}" in errors_of(report)
    assert "「租约」" in errors_of(report)
    assert Allocation.objects.count() == 1 and ADMIN.role == "admin"

"""Bulk import, review findings: units against their leases, whose companies a manager may
rewrite, model rules on the merged record, expired offers, crafted workbooks, what a
manager's messages reveal, and ended leases reopened by an old spreadsheet."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carriers.imports import planning, reading
from carriers.models import Carrier, Unit
from leasing.leases import lease_terminate
from leasing.models import Allocation, Tenant
from tests.carriers.importing import (
    USCC_B,
    csv_bytes,
    example,
    manager_scope,
    run,
    xlsx,
    zone,
)
from tests.factories import make_carrier, make_tenant
from tests.leasing.workflow import days, make_lease, make_manager, make_user, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    translation.activate("zh-hans")
    yield
    translation.deactivate()


def errors_of(report: Any) -> list[str]:
    return report.error_lines()


def row_line(sheet: str, row: int, column: str | None, message: str) -> str:
    values = {"sheet": f"「{sheet}」", "row": row, "message": message}
    if column is None:
        return _("Sheet %(sheet)s, row %(row)d: %(message)s") % values
    return _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % {
        **values,
        "column": f"「{column}」",
    }


def space_only(**units: Any) -> dict[str, list[dict[str, Any]]]:
    """The example's space, its unit changed; no companies, no leases."""
    return zone(units=[example("units", **units)], tenants=[], qualifications=[], leases=[])


def imported_unit() -> Unit:
    assert run(zone(leases=[])).applied
    return Unit.objects.get(code="A-301")


# --- H1: a unit's dates and flags against the leases it carries ---------------------------


def test_it_refuses_retiring_a_unit_before_its_lease_ends() -> None:
    unit = imported_unit()
    lease = make_lease(unit, today() - days(10), today() + days(100))

    dry = run(space_only(retired_on=(today() + days(50)).isoformat()), dry_run=True)
    report = run(space_only(retired_on=(today() + days(50)).isoformat()))

    message = _("Lease #%(id)s runs %(period)s: retire the unit after it ends.") % {
        "id": lease.pk,
        "period": lease.period_label,
    }
    assert errors_of(dry) == [row_line("单元", 2, "停用日期", message)]
    assert errors_of(report) == errors_of(dry) and not report.applied
    unit.refresh_from_db()
    assert unit.retired_on is None


def test_it_refuses_moving_the_service_start_after_a_lease_begins() -> None:
    unit = imported_unit()
    lease = make_lease(unit, dt.date(2024, 1, 1), None)

    report = run(space_only(in_service_from="2024-06-01"))

    message = _("Lease #%(id)s starts on %(start)s, before this date.") % {
        "id": lease.pk,
        "start": "2024-01-01",
    }
    assert errors_of(report) == [row_line("单元", 2, "投用日期", message)]
    unit.refresh_from_db()
    assert unit.in_service_from == dt.date(2023, 1, 1)


def test_it_refuses_taking_a_unit_with_a_live_lease_off_the_market() -> None:
    unit = imported_unit()
    lease = make_lease(unit, today() - days(10), None)

    report = run(space_only(leasable="否"))

    message = _(
        "Lease or offer #%(id)s (%(period)s) is current: end it before taking the unit "
        "off the market."
    ) % {"id": lease.pk, "period": lease.period_label}
    assert errors_of(report) == [row_line("单元", 2, "可出租", message)]
    assert Unit.objects.get(pk=unit.pk).leasable


def test_it_retires_a_unit_whose_lease_the_same_file_ends_before() -> None:
    """The unit is checked against its leases as they will be after the import."""
    unit = imported_unit()
    retired = today() + days(50)
    last_day = (retired - days(1)).isoformat()

    report = run(
        zone(
            units=[example("units", retired_on=retired.isoformat())],
            leases=[example("leases", start=today().isoformat(), last_day=last_day)],
        )
    )
    assert report.applied, errors_of(report)
    again = run(
        zone(
            units=[example("units", retired_on=(retired - days(10)).isoformat())],
            leases=[example("leases", start=today().isoformat(), last_day=(retired - days(11)))],
        )
    )

    assert again.applied, errors_of(again)
    unit.refresh_from_db()
    assert unit.retired_on == retired - days(10)


def test_it_reads_the_ledger_of_all_units_in_one_query(
    django_assert_max_num_queries: Any,
) -> None:
    from carriers.imports.reading import Source
    from carriers.imports.rows import parse_tables
    from leasing.access import Role, Scope

    assert run(zone(leases=[])).applied
    units = [example("units", unit=f"B-{n}") for n in range(30)]
    assert run(zone(units=units, leases=[])).applied
    changed = [example("units", unit=f"B-{n}", retired_on="2099-01-01") for n in range(30)]
    tables = reading.read_sources([Source("z.xlsx", xlsx(space_only() | {"units": changed}))])
    scope = Scope(make_user("importer", is_superuser=True), Role.ADMIN, frozenset(), frozenset())

    # Carriers, their names, buildings, floors, units, and the ledger of all 30 units.
    with django_assert_max_num_queries(6):
        plan = planning.make_plan(
            parse_tables(tables), scope=scope, today=today(), now=timezone.now()
        )

    assert not plan.refused


# --- H2: which companies a manager may rewrite ---------------------------------------------


def test_it_keeps_a_company_out_of_a_managers_scope_though_a_lease_names_it() -> None:
    assert run(zone(leases=[], tenants=[], qualifications=[])).applied
    manager = make_manager(Carrier.objects.get())
    stranger = make_tenant(name="昆山别家企业有限公司", uscc=USCC_B, employees=7)

    report = run(
        zone(
            carriers=[],
            tenants=[example("tenants", uscc=USCC_B, name="改掉的名字", employees=99)],
            qualifications=[],
            leases=[example("leases", uscc=USCC_B, start="2026-01-01", last_day="2027-12-31")],
        ),
        scope=manager_scope(manager),
    )

    assert report.applied, errors_of(report)
    assert [r.action for r in report.rows if r.kind == "tenants"] == ["unchanged"]
    stranger.refresh_from_db()
    assert (stranger.name, stranger.employees) == ("昆山别家企业有限公司", 7)
    assert Allocation.objects.get().tenant == stranger


def test_it_works_out_the_writable_companies_once_per_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    original = planning._writable_tenant_ids

    def counting(plan: Any) -> set[int]:
        calls.append(plan)
        return original(plan)

    monkeypatch.setattr(planning, "_writable_tenant_ids", counting)
    report = run(dry_run=True)

    assert not report.refused, errors_of(report)
    assert len(calls) == 1


# --- H3: the model's rules on the record as it will be ------------------------------------


def test_it_checks_a_stored_value_against_a_changed_one() -> None:
    unit = imported_unit()
    Unit.objects.filter(pk=unit.pk).update(retired_on=dt.date(2030, 1, 1))
    row = example("units", in_service_from="2031-01-01")
    del row["停用日期"]
    rows = zone(units=[row], tenants=[], qualifications=[], leases=[])

    dry = run(rows, dry_run=True)
    report = run(rows)

    message = _("A unit must be retired after it comes into service.")
    note = _("%(message)s (%(column)s is %(value)s in Zaiti; the file does not have it.)") % {
        "message": message,
        "column": "「停用日期」",
        "value": "2030-01-01",
    }
    assert errors_of(dry) == [row_line("单元", 2, None, note)]
    assert not report.file_errors and errors_of(report) == errors_of(dry)
    unit.refresh_from_db()
    assert unit.in_service_from == dt.date(2023, 1, 1)


def test_it_checks_a_companys_staff_against_its_stored_employees() -> None:
    assert run(zone(leases=[], qualifications=[])).applied
    Tenant.objects.update(employees=50, rd_staff=5)
    more = example("tenants", rd_staff=60)
    fewer = example("tenants", rd_staff=30)
    for row in (more, fewer):
        del row["员工人数"]

    refused = run(zone(tenants=[more], qualifications=[], leases=[]))
    accepted = run(zone(tenants=[fewer], qualifications=[], leases=[]))

    message = _("R&D staff cannot exceed employees.")
    assert errors_of(refused) == [row_line("企业", 2, "研发人员", message)]
    assert accepted.applied, errors_of(accepted)
    assert Tenant.objects.get().rd_staff == 30


def test_it_reports_each_broken_rule_once() -> None:
    assert run(zone(leases=[])).applied

    area = run(space_only(usable_area=Decimal("999")))
    staff = run(zone(tenants=[example("tenants", rd_staff=99)], qualifications=[], leases=[]))

    assert errors_of(area) == [
        row_line("单元", 2, "套内面积", _("Usable area cannot exceed gross area."))
    ]
    assert errors_of(staff) == [
        row_line("企业", 2, "研发人员", _("R&D staff cannot exceed employees."))
    ]


def test_it_keeps_a_stored_furnished_package_when_the_file_leaves_it_out() -> None:
    assert run(zone(leases=[])).applied
    row = example("units", seats=30)
    del row["拎包入住配置"]

    report = run(zone(units=[row], tenants=[], qualifications=[], leases=[]))

    assert report.applied, errors_of(report)
    assert Unit.objects.get().turnkey_package


# --- M1: expired offers against every lease row of their unit -----------------------------


def test_it_releases_an_expired_offer_in_the_way_of_a_later_lease_row() -> None:
    unit = imported_unit()
    hold = make_lease(unit, dt.date(2027, 1, 1), dt.date(2028, 1, 1), state=Allocation.State.HELD)
    Allocation.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - days(1))
    leases = [
        example("leases", start="2026-01-01", last_day="2026-12-31"),
        example("leases", start="2027-01-01", last_day="2027-12-31"),
    ]

    report = run(zone(leases=leases))

    assert report.applied, errors_of(report)
    hold.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert Allocation.objects.filter(state=Allocation.State.ACTIVE).count() == 2


# --- M2: crafted workbooks -----------------------------------------------------------------


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with every sheet declaring this dimension (as a crafted file may)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content
                )
            target.writestr(item, content)
    return out.getvalue()


def spy_rows(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Every row the reader takes from a file, as it takes them."""
    seen: list[tuple[object, ...]] = []
    original = reading._value_rows

    def spying(rows: Any, *args: Any) -> Any:
        def taken() -> Any:
            for row in rows:
                seen.append(tuple(row or ()))
                yield row

        return original(taken(), *args)

    monkeypatch.setattr(reading, "_value_rows", spying)
    return seen


def test_it_reads_only_the_cells_a_workbook_has_whatever_it_declares(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = with_dimension(xlsx(zone()), "A1:XFD100000")
    assert len(data) < 20_000
    seen = spy_rows(monkeypatch)

    report = run(data=data)

    assert report.applied, errors_of(report)
    assert Unit.objects.filter(code="A-301").exists()
    assert len(seen) < 20  # the rows the sheets have, not 100,000 declared ones
    assert max(len(r) for r in seen) <= 16  # as wide as the widest header, not 16,384


def test_it_stops_reading_at_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 5)
    units = [example("units", unit=f"A-{n}") for n in range(50)]
    seen = spy_rows(monkeypatch)

    report = run(zone(units=units))

    assert report.file_errors == [_("Too many rows: at most %(n)d in one import.") % {"n": 5}]
    assert len(seen) < 20  # stopped at the sixth row of data, not after all of them
    assert not Carrier.objects.exists()


def test_it_stops_reading_a_csv_file_at_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    seen = spy_rows(monkeypatch)
    data = csv_bytes([example("carriers", carrier=f"c{n}", name=f"载体{n}") for n in range(40)])

    report = run(data=data, name="载体.csv")

    assert report.file_errors == [_("Too many rows: at most %(n)d in one import.") % {"n": 3}]
    assert len(seen) <= 5


# --- L2: what a manager's messages say of others -------------------------------------------


def test_it_names_no_other_carrier_to_a_manager_renaming_theirs() -> None:
    assert run(zone(leases=[])).applied
    manager = make_manager(Carrier.objects.get())
    make_carrier(code="secret-code", name="别家载体")

    report = run(
        zone(
            carriers=[example("carriers", name="别家载体")],
            tenants=[],
            qualifications=[],
            leases=[],
        ),
        scope=manager_scope(manager),
    )

    assert errors_of(report) == [
        row_line("载体", 2, "载体名称", _("Another carrier already has this name."))
    ]


def test_it_tells_a_manager_nothing_of_whether_a_company_is_registered() -> None:
    assert run(zone(leases=[], tenants=[], qualifications=[])).applied
    manager = make_manager(Carrier.objects.get())
    make_tenant(name="昆山别家企业有限公司", uscc=USCC_B)
    scope = manager_scope(manager)

    def attempt(uscc: str) -> list[str]:
        rows = zone(
            carriers=[],
            tenants=[],
            qualifications=[example("qualifications", uscc=uscc)],
            leases=[example("leases", uscc=uscc, start="2026-01-01", last_day="2027-12-31")],
        )
        return errors_of(run(rows, scope=scope))

    registered, unknown = attempt(USCC_B), attempt(example("tenants")["统一社会信用代码"])

    assert registered == unknown
    assert registered == [
        row_line(
            "资质",
            2,
            "统一社会信用代码",
            _(
                "Qualifications can be imported only for your companies (a lease in or a "
                "request to your carriers) and for new companies in the sheet 企业."
            ),
        ),
        row_line(
            "租约",
            2,
            "统一社会信用代码",
            _(
                "No company with this code among yours or in the sheet 企业: add the "
                "company's row to the sheet 企业."
            ),
        ),
    ]


# --- L3: an old spreadsheet does not reopen a lease ended in Zaiti ------------------------


def test_it_refuses_to_reopen_a_lease_ended_in_zaiti() -> None:
    unit = imported_unit()
    admin = make_user("boss", is_superuser=True)
    lease = make_lease(unit, today() - days(200), today() + days(165), tenant=Tenant.objects.get())
    lease_terminate(lease=lease, on=today() - days(10), actor=admin)
    old_sheet = zone(
        leases=[
            example(
                "leases",
                start=(today() - days(200)).isoformat(),
                last_day=(today() + days(164)).isoformat(),
            )
        ]
    )

    dry = run(old_sheet, dry_run=True)
    report = run(old_sheet)

    message = _(
        "Lease #%(id)s was ended in Zaiti (last day %(ended)s); this row would make it "
        "active again until %(until)s. An import does not reopen an ended lease: correct "
        "the row, or renew the lease in Zaiti."
    ) % {
        "id": lease.pk,
        "ended": (today() - days(11)).isoformat(),
        "until": (today() + days(164)).isoformat(),
    }
    assert errors_of(dry) == [row_line("租约", 2, "到期日", message)]
    assert errors_of(report) == errors_of(dry)
    lease.refresh_from_db()
    assert lease.state == Allocation.State.ENDED and lease.end == today() - days(10)


@pytest.mark.parametrize(
    "instance",
    [
        Unit(gross_area=Decimal("10"), usable_area=Decimal("12"), list_rent=Decimal("0")),
        Unit(gross_area=Decimal("10"), usable_area=Decimal("8"), list_rent=Decimal("-1")),
        Unit(
            gross_area=Decimal("10"),
            usable_area=Decimal("8"),
            list_rent=Decimal("1"),
            in_service_from=dt.date(2025, 1, 1),
            retired_on=dt.date(2025, 1, 1),
        ),
        Unit(gross_area=None, usable_area=Decimal("8"), list_rent=Decimal("1")),
        Tenant(employees=3, rd_staff=4),
        Tenant(employees=3, rd_staff=1, graduated_on=dt.date(2025, 1, 1)),
        Tenant(
            employees=3,
            incubation_entered_on=dt.date(2025, 1, 1),
            graduated_on=dt.date(2026, 1, 1),
        ),
        Allocation(
            start=dt.date(2025, 1, 1), end=None, state="ended", contracted_rent=1, deposit=0
        ),
        Allocation(
            start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 1), state="x", contracted_rent=1
        ),
        Allocation(start=dt.date(2025, 1, 1), state="held", contracted_rent=1, deposit=-1),
    ],
)
def test_it_judges_check_constraints_as_the_database_does(instance: Any) -> None:
    from django.core.exceptions import ValidationError
    from django.db.models import CheckConstraint

    from carriers.imports.rules import _passes

    for constraint in instance._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            constraint.validate(type(instance), instance)
            database = True
        except ValidationError:
            database = False
        assert _passes(constraint, instance) is database, constraint.name

"""The Django admin: every model's pages, derived statuses, and the ledger's rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carriers.models import Building, Carrier, Floor, Unit
from carriers.status import UnitStatus
from leasing import services
from leasing.models import Allocation, Qualification, SpaceRequest, Tenant
from leasing.services import allocation_create
from leasing.uscc import make_uscc
from tests.factories import make_carrier, make_floor, make_tenant, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(admin_client: Client) -> Client:
    # English, so assertions read the msgids whatever the default language is.
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def today() -> dt.date:
    return timezone.localdate()


def url(model: type[Model] | Model, view: str, *args: Any) -> str:
    meta = model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


def lease(unit: Unit, tenant: Tenant, start: dt.date, end: dt.date | None) -> Allocation:
    return allocation_create(unit=unit, tenant=tenant, start=start, end=end)


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def errors(response: Any) -> str:
    """Every error the admin form shows, as one string."""
    assert response.status_code == 200, "expected the form again, not a redirect"
    form = response.context["adminform"].form
    return " ".join(str(message) for messages in form.errors.values() for message in messages)


# --- Every model's pages ---------------------------------------------------------------


@pytest.fixture
def one_of_each(today: dt.date) -> dict[type[Model], Model]:
    unit = make_unit()
    tenant = make_tenant()
    request = SpaceRequest.objects.create(
        tenant=tenant,
        area_min=Decimal("100"),
        area_max=Decimal("200"),
        unit_kind=Unit.Kind.OFFICE,
        move_in_on=today,
        term_months=12,
    )
    return {
        Carrier: unit.carrier,
        Building: unit.floor.building,
        Floor: unit.floor,
        Unit: unit,
        Tenant: tenant,
        Qualification: Qualification.objects.create(
            tenant=tenant, kind=Qualification.Kind.TECH_SME, valid_from=today
        ),
        SpaceRequest: request,
        Allocation: lease(unit, tenant, today, None),
    }


MODELS = [Carrier, Building, Floor, Unit, Tenant, Qualification, SpaceRequest, Allocation]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_shows_every_models_changelist_add_and_change_pages(
    client: Client, one_of_each: dict[type[Model], Model], model: type[Model]
) -> None:
    obj = one_of_each[model]
    assert client.get(url(model, "changelist")).status_code == 200
    assert client.get(url(model, "add")).status_code == 200
    assert client.get(url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_it_searches_every_changelist(
    client: Client, one_of_each: dict[type[Model], Model], model: type[Model]
) -> None:
    response = client.get(url(model, "changelist"), {"q": "测试"})
    assert response.status_code == 200


# --- Units: the derived status ---------------------------------------------------------


@pytest.fixture
def occupied_and_vacant(today: dt.date) -> tuple[Unit, Unit]:
    carrier = make_carrier()
    occupied = make_unit(carrier, code="OCC")
    vacant = make_unit(carrier, code="VAC")
    lease(occupied, make_tenant(), today - dt.timedelta(days=30), today + dt.timedelta(days=365))
    return occupied, vacant


def test_it_shows_each_units_status_today(
    client: Client, occupied_and_vacant: tuple[Unit, Unit]
) -> None:
    response = client.get(url(Unit, "changelist"))

    statuses = {unit.code: unit.status for unit in response.context["cl"].result_list}
    assert statuses == {"OCC": UnitStatus.OCCUPIED, "VAC": UnitStatus.VACANT}
    html = response.content.decode()
    assert '<td class="field-status_today">Occupied</td>' in html
    assert '<td class="field-status_today">Vacant</td>' in html


def test_it_filters_units_by_status_today(
    client: Client, occupied_and_vacant: tuple[Unit, Unit]
) -> None:
    occupied, vacant = occupied_and_vacant

    for status, unit in [(UnitStatus.OCCUPIED, occupied), (UnitStatus.VACANT, vacant)]:
        response = client.get(url(Unit, "changelist"), {"status": status})
        assert [u.pk for u in response.context["cl"].result_list] == [unit.pk]

    response = client.get(url(Unit, "changelist"), {"status": UnitStatus.HELD})
    assert list(response.context["cl"].result_list) == []


def test_it_sorts_units_by_status_today(
    client: Client, occupied_and_vacant: tuple[Unit, Unit]
) -> None:
    column = list(client.get(url(Unit, "changelist")).context["cl"].list_display).index(
        "status_today"
    )
    for order, expected in [(f"{column}", ["OCC", "VAC"]), (f"-{column}", ["VAC", "OCC"])]:
        response = client.get(url(Unit, "changelist"), {"o": order})
        assert [u.code for u in response.context["cl"].result_list] == expected


def test_it_shows_status_and_ledger_on_the_unit_page(
    client: Client, occupied_and_vacant: tuple[Unit, Unit]
) -> None:
    occupied, _ = occupied_and_vacant
    allocation = occupied.allocations.get()

    response = client.get(url(Unit, "change", occupied.pk))

    html = response.content.decode()
    assert "Occupied" in html
    assert allocation.tenant.name in html
    assert url(Allocation, "change", allocation.pk) in html


def test_it_saves_a_unit_edited_on_its_page_beside_its_read_only_ledger(
    client: Client, occupied_and_vacant: tuple[Unit, Unit]
) -> None:
    occupied, _ = occupied_and_vacant
    allocation = occupied.allocations.get()
    data = {
        "floor": occupied.floor_id,
        "code": "OCC-2",
        "kind": Unit.Kind.LAB,
        "gross_area": "220",
        "usable_area": "180",
        "seats": "12",
        "list_rent": "60",
        "leasable": "on",
        "in_service_from": "2020-01-01",
        # The read-only inline posts back only its management form and ids.
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "1",
        "allocations-0-id": allocation.pk,
        "allocations-0-unit": occupied.pk,
    }

    response = client.post(url(Unit, "change", occupied.pk), data)

    assert response.status_code == 302
    occupied.refresh_from_db()
    assert (occupied.code, occupied.kind) == ("OCC-2", Unit.Kind.LAB)
    assert Allocation.objects.get().start == allocation.start


def test_it_refuses_a_unit_code_taken_in_the_carrier(client: Client) -> None:
    taken = make_unit(code="A101")
    other_floor = make_floor(taken.carrier, level=2)
    data = {
        "floor": other_floor.pk,
        "code": "A101",
        "kind": Unit.Kind.OFFICE,
        "gross_area": "100",
        "usable_area": "80",
        "seats": "10",
        "list_rent": "40",
        "leasable": "on",
        "in_service_from": "2024-01-01",
        "allocations-TOTAL_FORMS": "0",
        "allocations-INITIAL_FORMS": "0",
    }

    response = client.post(url(Unit, "add"), data)

    assert "already has a unit with the code A101" in errors(response)
    assert Unit.objects.count() == 1


def test_it_adds_units_on_the_floor_page(client: Client) -> None:
    floor = make_floor()
    row = {
        "kind": Unit.Kind.OFFICE,
        "gross_area": "100",
        "usable_area": "80",
        "seats": "10",
        "list_rent": "40",
        "leasable": "on",
        "in_service_from": "2024-01-01",
    }
    data = {
        "building": floor.building_id,
        "level": floor.level,
        "label": floor.label,
        "units-TOTAL_FORMS": "2",
        "units-INITIAL_FORMS": "0",
        **{f"units-0-{k}": v for k, v in {**row, "code": "B1"}.items()},
        **{f"units-1-{k}": v for k, v in {**row, "code": "B1"}.items()},
    }

    response = client.post(url(Floor, "change", floor.pk), data)
    assert "used twice" in str(
        response.context["inline_admin_formsets"][0].formset.non_form_errors()
    )
    assert not Unit.objects.exists()

    data["units-1-code"] = "B2"
    response = client.post(url(Floor, "change", floor.pk), data)
    assert response.status_code == 302
    units = Unit.objects.order_by("code")
    assert [(u.code, u.carrier_id) for u in units] == [
        ("B1", floor.building.carrier_id),
        ("B2", floor.building.carrier_id),
    ]


# --- Carriers --------------------------------------------------------------------------


def test_it_counts_units_and_area_per_carrier(client: Client, today: dt.date) -> None:
    carrier = make_carrier()
    make_unit(carrier)
    make_unit(carrier, gross_area=Decimal("300.50"), usable_area=Decimal("250"))
    make_unit(carrier, in_service_from=dt.date(2020, 1, 1), retired_on=today)  # gone
    make_carrier()  # no units at all

    response = client.get(url(Carrier, "changelist"))

    rows = {c.pk: (c.unit_count, c.gross_area_total) for c in response.context["cl"].result_list}
    assert rows[carrier.pk] == (2, Decimal("500.50"))
    assert len(rows) == 2


# --- A constant number of queries ------------------------------------------------------


def test_it_lists_units_in_a_constant_number_of_queries(client: Client, today: dt.date) -> None:
    carrier = make_carrier()
    tenant = make_tenant()

    def add_units(n: int) -> None:
        for i in range(n):
            floor = make_floor(carrier, level=1 + i % 3)
            unit = make_unit(floor=floor)
            if i % 2:
                lease(unit, tenant, today - dt.timedelta(days=10), None)

    add_units(3)
    few = queries(client, url(Unit, "changelist"))
    add_units(27)
    many = queries(client, url(Unit, "changelist"))

    assert few == many


def test_it_lists_carriers_in_a_constant_number_of_queries(client: Client) -> None:
    def add_carriers(n: int) -> None:
        for _ in range(n):
            make_unit(make_carrier())

    add_carriers(3)
    few = queries(client, url(Carrier, "changelist"))
    add_carriers(27)
    many = queries(client, url(Carrier, "changelist"))

    assert few == many


def test_it_lists_allocations_in_a_constant_number_of_queries(
    client: Client, today: dt.date
) -> None:
    def add_allocations(n: int) -> None:
        for _ in range(n):
            lease(make_unit(), make_tenant(), today, None)

    add_allocations(3)
    few = queries(client, url(Allocation, "changelist"))
    add_allocations(27)
    many = queries(client, url(Allocation, "changelist"))

    assert few == many


# --- Allocations: the ledger's rule ------------------------------------------------------


def allocation_form(unit: Unit, tenant: Tenant, start: dt.date, end: dt.date | None) -> dict:
    return {
        "unit": unit.pk,
        "tenant": tenant.pk,
        "request": "",
        "start": start.isoformat(),
        "end": end.isoformat() if end else "",
        "state": Allocation.State.ACTIVE,
        "hold_expires_at_0": "",
        "hold_expires_at_1": "",
        "contracted_rent": "",
        "rent_free_months": "0",
        "deposit": "0",
        "signed_on": "",
        "moved_in_on": "",
        "moved_out_on": "",
        "note": "",
    }


def change_form(allocation: Allocation, **changes: Any) -> dict:
    data = allocation_form(allocation.unit, allocation.tenant, allocation.start, allocation.end)
    data["contracted_rent"] = str(allocation.contracted_rent)
    return {**data, **changes}


@pytest.fixture
def unit() -> Unit:
    return make_unit(list_rent=Decimal("52.00"))


def test_it_adds_an_allocation_through_the_service(
    client: Client, unit: Unit, admin_user: Any
) -> None:
    tenant = make_tenant()

    response = client.post(
        url(Allocation, "add"),
        allocation_form(unit, tenant, dt.date(2025, 3, 1), dt.date(2026, 3, 1)),
    )

    assert response.status_code == 302
    allocation = Allocation.objects.get()
    assert (allocation.unit, allocation.tenant) == (unit, tenant)
    assert allocation.contracted_rent == Decimal("52.00")  # left empty: the list rent
    assert allocation.created_by == admin_user


def test_it_refuses_a_conflicting_allocation_naming_the_lease(client: Client, unit: Unit) -> None:
    existing = lease(unit, make_tenant(), dt.date(2025, 1, 1), dt.date(2026, 1, 1))

    response = client.post(
        url(Allocation, "add"),
        allocation_form(unit, make_tenant(), dt.date(2025, 6, 1), None),
    )

    message = errors(response)
    assert f"lease #{existing.pk}" in message
    assert existing.tenant.name in message
    assert "Nothing was saved" in message
    assert Allocation.objects.count() == 1
    assert response.context["adminform"].form["start"].value() == "2025-06-01"  # kept


def test_it_accepts_an_allocation_starting_the_day_the_last_one_ends(
    client: Client, unit: Unit
) -> None:
    lease(unit, make_tenant(), dt.date(2025, 1, 1), dt.date(2026, 1, 1))

    response = client.post(
        url(Allocation, "add"),
        allocation_form(unit, make_tenant(), dt.date(2026, 1, 1), None),
    )

    assert response.status_code == 302
    assert Allocation.objects.count() == 2


def test_it_shows_the_services_rules_as_field_errors(client: Client, unit: Unit) -> None:
    data = allocation_form(unit, make_tenant(), dt.date(2019, 6, 1), None)
    data["state"] = Allocation.State.CANCELLED

    response = client.post(url(Allocation, "add"), data)

    form = response.context["adminform"].form
    assert "only comes into service on 2020-01-01" in str(form.errors["start"])
    assert "cannot be cancelled" in str(form.errors["state"])
    assert not Allocation.objects.exists()


def test_it_refuses_a_change_that_collides_with_another_lease(client: Client, unit: Unit) -> None:
    first = lease(unit, make_tenant(), dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    second = lease(unit, make_tenant(), dt.date(2026, 1, 1), dt.date(2027, 1, 1))

    response = client.post(
        url(Allocation, "change", second.pk), change_form(second, start="2025-06-01")
    )

    assert f"lease #{first.pk}" in errors(response)
    second.refresh_from_db()
    assert second.start == dt.date(2026, 1, 1)


def test_it_saves_a_change_that_keeps_clear_of_other_leases(client: Client, unit: Unit) -> None:
    lease(unit, make_tenant(), dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    second = lease(unit, make_tenant(), dt.date(2026, 1, 1), dt.date(2027, 1, 1))

    response = client.post(
        url(Allocation, "change", second.pk),
        change_form(second, end="2028-01-01", note="renewed for a year"),
    )

    assert response.status_code == 302
    second.refresh_from_db()
    assert (second.end, second.note) == (dt.date(2028, 1, 1), "renewed for a year")


def blind_for(calls: int) -> mock.Mock:
    """find_conflict that misses the first `calls` times: a writer slipping past the form."""
    real = services.find_conflict
    seen = 0

    def find(*args: Any, **kwargs: Any) -> Allocation | None:
        nonlocal seen
        seen += 1
        return None if seen <= calls else real(*args, **kwargs)

    return mock.Mock(side_effect=find)


def test_it_turns_a_late_refusal_into_a_form_error(client: Client, unit: Unit) -> None:
    existing = lease(unit, make_tenant(), dt.date(2025, 1, 1), None)

    # The form sees nothing; allocation_create() then refuses at write time.
    with mock.patch("leasing.services.find_conflict", blind_for(1)):
        response = client.post(
            url(Allocation, "add"),
            allocation_form(unit, make_tenant(), dt.date(2025, 6, 1), None),
        )

    assert f"lease #{existing.pk}" in errors(response)
    assert Allocation.objects.count() == 1


@pytest.mark.postgres
def test_it_turns_the_exclusion_constraint_into_a_form_error(client: Client, unit: Unit) -> None:
    first = lease(unit, make_tenant(), dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    second = lease(unit, make_tenant(), dt.date(2026, 1, 1), None)

    # Both checks before the write miss the collision: only the database sees it.
    find = blind_for(2)
    with mock.patch("leasing.services.find_conflict", find):
        response = client.post(
            url(Allocation, "change", second.pk), change_form(second, start="2025-06-01")
        )

    assert f"lease #{first.pk}" in errors(response)
    second.refresh_from_db()
    assert second.start == dt.date(2026, 1, 1)


# --- Tenants: the credit code ----------------------------------------------------------


def tenant_form(uscc: str) -> dict:
    return {
        "name": "昆山测试科技有限公司",
        "uscc": uscc,
        "industry": "ai",
        "employees": "12",
        "rd_staff": "5",
        "created_at_0": "2025-01-02",
        "created_at_1": "09:00:00",
        "qualifications-TOTAL_FORMS": "0",
        "qualifications-INITIAL_FORMS": "0",
    }


VALID_USCC = make_uscc("91320583MA1X2Y3W4")


def test_it_refuses_a_wrong_credit_code_with_a_clear_message(client: Client) -> None:
    wrong_check = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")

    response = client.post(url(Tenant, "add"), tenant_form(wrong_check))
    assert "check character of this unified social credit code is wrong" in errors(response)

    response = client.post(url(Tenant, "add"), tenant_form(VALID_USCC[:-1]))
    assert "has 18 characters; this one has 17" in errors(response)

    assert not Tenant.objects.exists()


def test_it_saves_a_typed_credit_code_normalised(client: Client) -> None:
    typed = f" {VALID_USCC[:6]} {VALID_USCC[6:12]}-{VALID_USCC[12:]} ".lower()

    response = client.post(url(Tenant, "add"), tenant_form(typed))

    assert response.status_code == 302
    assert Tenant.objects.get().uscc == VALID_USCC


def test_it_refuses_a_credit_code_already_registered_however_typed(client: Client) -> None:
    make_tenant(uscc=VALID_USCC)

    response = client.post(url(Tenant, "add"), tenant_form(VALID_USCC.lower()))

    assert "already exists" in errors(response)
    assert Tenant.objects.count() == 1


def test_it_filters_tenants_in_incubation_today(client: Client, today: dt.date) -> None:
    year_ago = today - dt.timedelta(days=365)
    incubating = make_tenant(incubation_entered_on=year_ago)
    graduated = make_tenant(incubation_entered_on=year_ago, graduated_on=today)
    never = make_tenant()

    def listed(value: str) -> set[int]:
        response = client.get(url(Tenant, "changelist"), {"in_incubation": value})
        return {t.pk for t in response.context["cl"].result_list}

    assert listed("yes") == {incubating.pk}
    assert listed("no") == {graduated.pk, never.pk}

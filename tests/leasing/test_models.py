"""The ledger's and the tenants' rules: database constraints, then model messages.

Constraints are proven with model validation bypassed (objects.create or a
queryset update), on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from leasing.models import Allocation, Qualification, SpaceRequest, Tenant
from tests.factories import make_tenant, make_unit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _english() -> None:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


def raw_allocation(**fields: object) -> Allocation:
    """Insert a ledger row directly, bypassing the services and full_clean."""
    values: dict[str, object] = {
        "start": D,
        "end": D + dt.timedelta(days=365),
        "state": Allocation.State.ACTIVE,
    }
    values.update(fields)
    if "unit" not in values:
        values["unit"] = make_unit()
    if "tenant" not in values:
        values["tenant"] = make_tenant()
    return Allocation.objects.create(**values)


def refused(**fields: object) -> None:
    before = Allocation.objects.count()
    unit, tenant = make_unit(), make_tenant()
    with transaction.atomic(), pytest.raises(IntegrityError):
        raw_allocation(unit=unit, tenant=tenant, **fields)
    assert Allocation.objects.count() == before


# --- allocation constraints -----------------------------------------------------------


def test_it_refuses_an_allocation_ending_on_its_start() -> None:
    refused(start=D, end=D)


def test_it_refuses_an_allocation_ending_before_its_start() -> None:
    refused(start=D, end=D - dt.timedelta(days=1))


def test_it_refuses_moving_an_allocation_end_before_its_start() -> None:
    allocation = raw_allocation()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Allocation.objects.filter(pk=allocation.pk).update(end=allocation.start)


def test_it_accepts_a_one_day_and_an_open_ended_allocation() -> None:
    raw_allocation(start=D, end=D + dt.timedelta(days=1))
    raw_allocation(start=D, end=None)
    assert Allocation.objects.count() == 2


def test_it_refuses_a_hold_without_expiry() -> None:
    refused(state=Allocation.State.HELD, hold_expires_at=None)


def test_it_refuses_turning_a_lease_into_a_hold_without_expiry() -> None:
    allocation = raw_allocation()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Allocation.objects.filter(pk=allocation.pk).update(state=Allocation.State.HELD)


def test_it_accepts_a_hold_with_expiry() -> None:
    raw_allocation(
        state=Allocation.State.HELD, hold_expires_at=timezone.now() + dt.timedelta(days=3)
    )


def test_it_refuses_an_ended_lease_without_end() -> None:
    refused(state=Allocation.State.ENDED, end=None)


def test_it_refuses_negative_contracted_rent() -> None:
    refused(contracted_rent=Decimal("-1"))


def test_it_refuses_a_negative_deposit() -> None:
    refused(deposit=Decimal("-0.01"))


def test_it_refuses_an_unknown_state() -> None:
    refused(state="lost")


# --- space request constraints -----------------------------------------------------------


def raw_request(**fields: object) -> SpaceRequest:
    values: dict[str, object] = {
        "tenant": make_tenant(),
        "area_min": Decimal("100"),
        "area_max": Decimal("300"),
        "unit_kind": "office",
        "move_in_on": D,
        "term_months": 36,
    }
    values.update(fields)
    return SpaceRequest.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"area_min": Decimal("0"), "area_max": Decimal("10")}, id="zero-minimum"),
        pytest.param({"area_min": Decimal("-5"), "area_max": Decimal("10")}, id="negative-min"),
        pytest.param({"area_min": Decimal("300"), "area_max": Decimal("299.99")}, id="max<min"),
        pytest.param({"term_months": 0}, id="zero-term"),
    ],
)
def test_it_refuses_an_impossible_request(fields: dict[str, object]) -> None:
    tenant = make_tenant()
    with transaction.atomic(), pytest.raises(IntegrityError):
        raw_request(tenant=tenant, **fields)
    assert not SpaceRequest.objects.exists()


def test_it_accepts_a_request_for_exactly_one_area() -> None:
    raw_request(area_min=Decimal("120"), area_max=Decimal("120"), term_months=1)


def test_it_explains_a_reversed_area_range() -> None:
    request = SpaceRequest(
        tenant=make_tenant(),
        area_min=Decimal("300"),
        area_max=Decimal("100"),
        unit_kind="office",
        move_in_on=D,
        term_months=12,
    )
    with pytest.raises(ValidationError) as exc:
        request.full_clean()
    assert exc.value.message_dict["area_max"] == [
        "The maximum area must not be less than the minimum area."
    ]


# --- qualification constraints ---------------------------------------------------------


def test_it_refuses_a_qualification_ending_on_its_start() -> None:
    tenant = make_tenant()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Qualification.objects.create(
            tenant=tenant, kind=Qualification.Kind.HIGH_TECH, valid_from=D, valid_to=D
        )


def test_it_refuses_a_qualification_ending_before_its_start() -> None:
    tenant = make_tenant()
    q = Qualification.objects.create(
        tenant=tenant, kind=Qualification.Kind.TECH_SME, valid_from=D, valid_to=None
    )
    with transaction.atomic(), pytest.raises(IntegrityError):
        Qualification.objects.filter(pk=q.pk).update(valid_to=D - dt.timedelta(days=1))


def test_it_explains_a_qualification_ending_before_its_start() -> None:
    q = Qualification(
        tenant=make_tenant(),
        kind=Qualification.Kind.GAZELLE,
        valid_from=D,
        valid_to=D - dt.timedelta(days=1),
    )
    with pytest.raises(ValidationError) as exc:
        q.full_clean()
    assert exc.value.message_dict["valid_to"] == ["The end of validity must follow its start."]


# --- tenant constraints ---------------------------------------------------------------


def test_it_refuses_more_rd_staff_than_employees() -> None:
    tenant = make_tenant(employees=10, rd_staff=10)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Tenant.objects.filter(pk=tenant.pk).update(rd_staff=11)


def test_it_refuses_graduating_without_entering_incubation() -> None:
    tenant = make_tenant()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Tenant.objects.filter(pk=tenant.pk).update(graduated_on=D)


def test_it_refuses_graduating_on_the_day_of_entering() -> None:
    tenant = make_tenant(incubation_entered_on=D)
    with transaction.atomic(), pytest.raises(IntegrityError):
        Tenant.objects.filter(pk=tenant.pk).update(graduated_on=D)


def test_it_accepts_graduating_after_entering() -> None:
    tenant = make_tenant(incubation_entered_on=D, graduated_on=D + dt.timedelta(days=1))
    assert tenant.in_incubation_on(D)
    assert not tenant.in_incubation_on(D + dt.timedelta(days=1))


def test_it_explains_more_rd_staff_than_employees() -> None:
    tenant = make_tenant(employees=5, rd_staff=5)
    tenant.rd_staff = 6
    with pytest.raises(ValidationError) as exc:
        tenant.full_clean()
    assert exc.value.message_dict["rd_staff"] == ["R&D staff cannot exceed employees."]


def test_it_explains_graduating_before_entering() -> None:
    tenant = make_tenant(incubation_entered_on=D)
    tenant.graduated_on = D - dt.timedelta(days=30)
    with pytest.raises(ValidationError) as exc:
        tenant.full_clean()
    assert exc.value.message_dict["graduated_on"] == [
        "A company graduates after it entered incubation."
    ]


def test_it_ends_incubation_on_moving_out() -> None:
    tenant = make_tenant(
        incubation_entered_on=D, moved_out_on=D + dt.timedelta(days=10), graduated_on=None
    )
    assert not tenant.in_incubation_on(D - dt.timedelta(days=1))
    assert tenant.in_incubation_on(D + dt.timedelta(days=9))
    assert not tenant.in_incubation_on(D + dt.timedelta(days=10))


# --- allocation messages and labels ----------------------------------------------------


def unsaved_allocation(**fields: object) -> Allocation:
    values: dict[str, object] = {
        "unit": make_unit(),
        "tenant": make_tenant(),
        "start": D,
        "end": D + dt.timedelta(days=365),
        "state": Allocation.State.ACTIVE,
    }
    values.update(fields)
    return Allocation(**values)


def test_it_explains_an_end_before_the_start() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_allocation(end=D).full_clean()
    assert exc.value.message_dict["end"] == ["The end date must be after the start date."]


def test_it_explains_a_hold_without_expiry() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_allocation(state=Allocation.State.HELD).full_clean()
    assert exc.value.message_dict["hold_expires_at"] == ["A hold needs an expiry."]


def test_it_explains_an_ended_lease_without_end() -> None:
    with pytest.raises(ValidationError) as exc:
        unsaved_allocation(state=Allocation.State.ENDED, end=None).full_clean()
    assert exc.value.message_dict["end"] == ["An ended lease needs an end date."]


def test_it_labels_the_period_with_its_last_day() -> None:
    allocation = unsaved_allocation(start=dt.date(2025, 3, 1), end=dt.date(2026, 3, 1))
    assert allocation.period_label == "2025-03-01 – 2026-02-28"
    allocation.end = None
    assert allocation.period_label == "2025-03-01 – open-ended"


def test_it_finds_occupying_rows_and_overlaps_half_open() -> None:
    unit = make_unit()
    now = timezone.now()
    active = raw_allocation(unit=unit, start=D, end=D + dt.timedelta(days=10))
    raw_allocation(
        unit=unit,
        start=D + dt.timedelta(days=10),
        end=D + dt.timedelta(days=20),
        state=Allocation.State.CANCELLED,
    )
    expired = raw_allocation(
        unit=unit,
        start=D + dt.timedelta(days=20),
        end=D + dt.timedelta(days=30),
        state=Allocation.State.HELD,
        hold_expires_at=now - dt.timedelta(seconds=1),
    )
    qs = Allocation.objects.filter(unit=unit)
    assert list(qs.occupying(now=now)) == [active]
    assert set(qs.overlapping(D + dt.timedelta(days=10), None)) == set(qs) - {active}
    assert list(qs.on(D + dt.timedelta(days=9))) == [active]
    assert list(qs.on(D + dt.timedelta(days=29))) == [expired]
    assert list(qs.overlapping(D - dt.timedelta(days=5), D)) == []

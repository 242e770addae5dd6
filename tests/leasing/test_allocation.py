"""The no-overlap rule, through leasing.services.allocation_create.

Unmarked tests run on SQLite and PostgreSQL alike: the service checks the rule
itself and tells the user which lease is in the way. The tests marked
`postgres` prove the last layer, the exclusion constraint, on its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation

import leasing.services
from carriers.models import Unit
from leasing.models import Allocation, Tenant
from leasing.services import AllocationConflict, allocation_create
from tests.factories import make_tenant, make_unit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 2)
DAY = dt.timedelta(days=1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _english() -> None:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


def allocate(
    unit: Unit,
    start: dt.date,
    end: dt.date | None,
    *,
    tenant: Tenant | None = None,
    **fields: object,
) -> Allocation:
    if fields.get("state") == Allocation.State.HELD:
        fields.setdefault("hold_expires_at", timezone.now() + days(2))
    return allocation_create(
        unit=unit, tenant=tenant or make_tenant(), start=start, end=end, **fields
    )


def refused(
    unit: Unit, start: dt.date, end: dt.date | None, **fields: object
) -> AllocationConflict:
    """Assert the allocation is refused as a conflict and that nothing was saved."""
    before = list(Allocation.objects.values_list("pk", "state").order_by("pk"))
    with pytest.raises(AllocationConflict) as exc:
        allocate(unit, start, end, **fields)
    assert list(Allocation.objects.values_list("pk", "state").order_by("pk")) == before
    return exc.value


def invalid(unit: Unit, start: dt.date, end: dt.date | None, **fields: object) -> dict:
    """Assert the allocation is refused as invalid; return the messages per field."""
    before = Allocation.objects.count()
    with pytest.raises(ValidationError) as exc:
        allocate(unit, start, end, **fields)
    assert not isinstance(exc.value, AllocationConflict)
    assert Allocation.objects.count() == before
    return exc.value.message_dict


# --- overlaps -----------------------------------------------------------------------------


def test_it_allocates_a_free_unit() -> None:
    unit = make_unit(list_rent=Decimal("52.50"))
    tenant = make_tenant()
    allocation = allocate(unit, D, D + days(365), tenant=tenant)
    allocation.refresh_from_db()
    assert (allocation.unit, allocation.tenant) == (unit, tenant)
    assert (allocation.start, allocation.end) == (D, D + days(365))
    assert allocation.state == Allocation.State.ACTIVE
    assert allocation.contracted_rent == Decimal("52.50")  # the list price unless agreed


def test_it_refuses_an_overlap_naming_the_lease_tenant_and_period() -> None:
    unit = make_unit(code="A-301")
    holder = make_tenant(name="昆山云启智能科技有限公司")
    existing = allocate(unit, dt.date(2025, 3, 1), dt.date(2026, 3, 1), tenant=holder)

    conflict = refused(unit, dt.date(2025, 9, 1), dt.date(2026, 9, 1))

    assert conflict.conflicting == existing
    assert conflict.code == "allocation_conflict"
    assert conflict.messages == [
        f"Unit A-301 is already allocated for these dates: lease #{existing.pk} to "
        "昆山云启智能科技有限公司, 2025-03-01 – 2026-02-28 (Active). Nothing was saved."
    ]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(D, D + days(365), id="same-range"),
        pytest.param(D - days(10), D + DAY, id="overlaps-first-day"),
        pytest.param(D + days(364), D + days(400), id="overlaps-last-day"),
        pytest.param(D + days(10), D + days(20), id="inside"),
        pytest.param(D - days(10), D + days(400), id="around"),
        pytest.param(D - days(10), None, id="open-ended-from-before"),
        pytest.param(D + days(100), None, id="open-ended-from-inside"),
    ],
)
def test_it_refuses_every_kind_of_overlap(start: dt.date, end: dt.date | None) -> None:
    unit = make_unit()
    existing = allocate(unit, D, D + days(365))
    assert refused(unit, start, end).conflicting == existing


def test_it_allows_adjacent_ranges_because_they_are_half_open() -> None:
    unit = make_unit()
    middle = allocate(unit, D, D + days(100))
    after = allocate(unit, D + days(100), D + days(200))  # starts on the end date
    before = allocate(unit, D - days(100), D)  # ends on the start date
    assert Allocation.objects.filter(unit=unit).count() == 3
    assert [a.pk for a in Allocation.objects.filter(unit=unit).order_by("start")] == [
        before.pk,
        middle.pk,
        after.pk,
    ]


def test_it_blocks_everything_after_the_start_of_an_open_ended_lease() -> None:
    unit = make_unit()
    open_ended = allocate(unit, D, None)
    assert refused(unit, D + days(3650), D + days(3651)).conflicting == open_ended
    assert refused(unit, D + DAY, None).conflicting == open_ended
    conflict = refused(unit, D - days(10), D + DAY)
    assert "– open-ended" in conflict.messages[0]
    allocate(unit, D - days(10), D)  # the days before it are free


def test_it_names_the_earliest_of_several_leases_in_the_way() -> None:
    unit = make_unit()
    first = allocate(unit, D, D + days(30))
    allocate(unit, D + days(30), D + days(60))
    assert refused(unit, D - days(5), D + days(90)).conflicting == first


def test_it_lets_other_units_be_allocated_for_the_same_dates() -> None:
    tenant = make_tenant()
    allocate(make_unit(), D, D + days(365), tenant=tenant)
    allocate(make_unit(), D, D + days(365), tenant=tenant)
    assert Allocation.objects.count() == 2


def test_it_does_not_let_a_cancelled_allocation_block() -> None:
    unit = make_unit()
    cancelled = allocate(unit, D, D + days(365))
    Allocation.objects.filter(pk=cancelled.pk).update(state=Allocation.State.CANCELLED)
    allocate(unit, D, D + days(365))
    assert Allocation.objects.filter(unit=unit).occupying().count() == 1


def test_it_lets_an_ended_lease_block_its_own_dates() -> None:
    unit = make_unit()
    ended = allocate(unit, D - days(365), D, state=Allocation.State.ENDED)
    assert refused(unit, D - days(10), D + days(10)).conflicting == ended
    allocate(unit, D, D + days(365))


def test_it_lets_an_unexpired_hold_block() -> None:
    unit = make_unit()
    hold = allocate(unit, D, D + days(365), state=Allocation.State.HELD)
    conflict = refused(unit, D + days(30), D + days(60))
    assert conflict.conflicting == hold
    assert "(Held)" in conflict.messages[0]


def test_it_releases_an_expired_hold_instead_of_letting_it_block() -> None:
    unit = make_unit()
    # A hold made yesterday that expired an hour ago (the service refuses to
    # create a hold already past its expiry, so it is made "yesterday").
    expires = timezone.now() - dt.timedelta(hours=1)
    hold = allocate(
        unit,
        D,
        D + days(365),
        state=Allocation.State.HELD,
        hold_expires_at=expires,
        now=expires - days(1),
    )
    allocation = allocate(unit, D + days(30), D + days(60))
    hold.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert allocation.state == Allocation.State.ACTIVE


def test_it_leaves_unexpired_holds_of_the_unit_alone() -> None:
    unit = make_unit()
    hold = allocate(unit, D + days(400), D + days(500), state=Allocation.State.HELD)
    allocate(unit, D, D + days(365))
    hold.refresh_from_db()
    assert hold.state == Allocation.State.HELD


def test_it_stores_a_hold_with_its_expiry_and_a_lease_without() -> None:
    unit = make_unit()
    expires = timezone.now() + days(3)
    hold = allocate(unit, D, D + days(10), state=Allocation.State.HELD, hold_expires_at=expires)
    lease = allocate(unit, D + days(10), D + days(20), hold_expires_at=expires)
    assert hold.hold_expires_at == expires
    assert lease.hold_expires_at is None


# --- dates and units the service refuses ------------------------------------------------------


def test_it_refuses_a_unit_that_is_not_leasable() -> None:
    unit = make_unit(code="公共会议室", leasable=False)
    errors = invalid(unit, D, D + days(365))
    assert errors["unit"] == [
        "Unit 公共会议室 is common or public-service space and cannot be let."
    ]


def test_it_refuses_a_start_before_the_unit_is_in_service() -> None:
    unit = make_unit(code="B-101", in_service_from=D)
    errors = invalid(unit, D - DAY, D + days(365))
    assert errors["start"] == [f"Unit B-101 only comes into service on {D.isoformat()}."]
    allocate(unit, D, D + days(365))


def test_it_refuses_an_end_after_retirement() -> None:
    retired_on = D + days(100)
    unit = make_unit(code="C-202", retired_on=retired_on)
    message = f"Unit C-202 is retired on {retired_on.isoformat()}; the allocation must end by then."
    assert invalid(unit, D, retired_on + DAY)["end"] == [message]
    assert invalid(unit, D, None)["end"] == [message]
    allocate(unit, D, retired_on)


@pytest.mark.parametrize("end_in_days", [0, -1])
def test_it_refuses_an_end_on_or_before_the_start(end_in_days: int) -> None:
    unit = make_unit()
    errors = invalid(unit, D, D + days(end_in_days))
    assert errors["end"] == ["The end date must be after the start date."]


@pytest.mark.parametrize(
    "expires_in", [None, dt.timedelta(0), -dt.timedelta(seconds=1)], ids=["none", "now", "past"]
)
def test_it_refuses_a_hold_without_a_future_expiry(expires_in: dt.timedelta | None) -> None:
    unit = make_unit()
    now = timezone.now()
    errors = invalid(
        unit,
        D,
        D + days(30),
        state=Allocation.State.HELD,
        hold_expires_at=None if expires_in is None else now + expires_in,
        now=now,
    )
    assert errors["hold_expires_at"] == ["A hold needs an expiry in the future."]


def test_it_refuses_an_ended_lease_without_end() -> None:
    errors = invalid(make_unit(), D, None, state=Allocation.State.ENDED)
    assert errors["end"] == ["An ended lease needs an end date."]


def test_it_refuses_to_create_a_cancelled_allocation() -> None:
    errors = invalid(make_unit(), D, D + days(30), state=Allocation.State.CANCELLED)
    assert errors["state"] == ["A new allocation cannot be cancelled."]


def test_it_reports_every_problem_at_once() -> None:
    unit = make_unit(leasable=False, in_service_from=D)
    errors = invalid(unit, D - DAY, D - DAY)
    assert set(errors) == {"unit", "start", "end"}


def test_it_checks_validity_before_looking_for_conflicts() -> None:
    retired_on = D + days(100)
    unit = make_unit(retired_on=retired_on)
    allocate(unit, D, retired_on)
    errors = invalid(unit, D, None)
    assert "end" in errors


# --- the last layer: the exclusion constraint on its own (PostgreSQL) ---------------------


def raw(unit: Unit, start: dt.date, end: dt.date | None, **fields: object) -> Allocation:
    fields.setdefault("state", Allocation.State.ACTIVE)
    return Allocation.objects.create(
        unit=unit, tenant=make_tenant(), start=start, end=end, **fields
    )


@pytest.mark.postgres
def test_it_refuses_an_overlapping_raw_insert_in_the_database() -> None:
    unit = make_unit()
    raw(unit, D, D + days(365))
    with transaction.atomic(), pytest.raises(IntegrityError, match="allocation_no_overlap"):
        raw(unit, D + days(100), D + days(200))
    with transaction.atomic(), pytest.raises(IntegrityError, match="allocation_no_overlap"):
        raw(unit, D - days(10), None)
    assert Allocation.objects.filter(unit=unit).count() == 1


@pytest.mark.postgres
def test_it_refuses_an_overlapping_raw_update_in_the_database() -> None:
    unit = make_unit()
    raw(unit, D, D + days(100))
    later = raw(unit, D + days(100), D + days(200))
    cancelled = raw(unit, D, D + days(100), state=Allocation.State.CANCELLED)
    with transaction.atomic(), pytest.raises(IntegrityError, match="allocation_no_overlap"):
        Allocation.objects.filter(pk=later.pk).update(start=D + days(99))
    with transaction.atomic(), pytest.raises(IntegrityError, match="allocation_no_overlap"):
        # Reinstating a cancelled row is refused while its dates are taken.
        Allocation.objects.filter(pk=cancelled.pk).update(state=Allocation.State.ACTIVE)


@pytest.mark.postgres
def test_it_refuses_overlapping_holds_and_ended_leases_in_the_database() -> None:
    unit = make_unit()
    raw(unit, D, D + days(100), state=Allocation.State.ENDED)
    with transaction.atomic(), pytest.raises(IntegrityError, match="allocation_no_overlap"):
        # Even a hold past its expiry: the service releases it before inserting.
        raw(
            unit,
            D + days(50),
            D + days(150),
            state=Allocation.State.HELD,
            hold_expires_at=timezone.now() - days(1),
        )


@pytest.mark.postgres
def test_it_lets_a_cancelled_row_overlap_in_the_database() -> None:
    unit = make_unit()
    raw(unit, D, D + days(365))
    raw(unit, D, D + days(365), state=Allocation.State.CANCELLED)
    raw(unit, D + days(10), None, state=Allocation.State.CANCELLED)
    assert Allocation.objects.filter(unit=unit).count() == 3


@pytest.mark.postgres
def test_it_lets_another_unit_have_the_same_dates_in_the_database() -> None:
    raw(make_unit(), D, D + days(365))
    raw(make_unit(), D, D + days(365))
    raw(make_unit(), D, None)
    assert Allocation.objects.count() == 3


@pytest.mark.postgres
def test_it_lets_adjacent_raw_rows_in_the_database() -> None:
    unit = make_unit()
    raw(unit, D, D + days(100))
    raw(unit, D + days(100), None)
    raw(unit, D - days(100), D)
    assert Allocation.objects.filter(unit=unit).count() == 3


@pytest.mark.postgres
def test_it_turns_the_constraint_refusal_into_the_same_clear_message(monkeypatch) -> None:
    """If the in-transaction check misses a row, the constraint's refusal still
    reaches the user as the conflict naming the lease, and nothing is saved."""
    unit = make_unit(code="D-404")
    existing = allocate(unit, D, D + days(365), tenant=make_tenant(name="先到公司"))
    original = leasing.services.find_conflict
    calls: list[int] = []

    def blind_first_time(*args: object, **kwargs: object) -> Allocation | None:
        calls.append(1)
        return None if len(calls) == 1 else original(*args, **kwargs)

    monkeypatch.setattr(leasing.services, "find_conflict", blind_first_time)

    conflict = refused(unit, D + days(10), D + days(20))

    assert len(calls) == 2  # the check, then the look-up after the constraint refused
    assert conflict.conflicting == existing
    assert isinstance(conflict.__cause__, IntegrityError)
    assert conflict.messages == [
        f"Unit D-404 is already allocated for these dates: lease #{existing.pk} to 先到公司, "
        f"{existing.period_label} (Active). Nothing was saved."
    ]


# --- deadlocks between concurrent constraint checks (any database) ------------------------


class _DeadlockDetected(Exception):
    sqlstate = leasing.services.DEADLOCK_DETECTED


def deadlocking_save(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the first `times` inserts fail as PostgreSQL does when it breaks a
    deadlock between concurrent exclusion-constraint checks."""
    original = Allocation.save
    calls: list[int] = []

    def save(self: Allocation, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from _DeadlockDetected()
        original(self, *args, **kwargs)

    monkeypatch.setattr(Allocation, "save", save)
    return calls


def test_it_inserts_again_after_the_database_breaks_a_deadlock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unit = make_unit()
    calls = deadlocking_save(monkeypatch, times=2)
    allocation = allocate(unit, D, D + days(30))
    assert len(calls) == 3
    assert list(Allocation.objects.filter(unit=unit)) == [allocation]


def test_it_gives_up_after_repeated_deadlocks(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = make_unit()
    calls = deadlocking_save(monkeypatch, times=leasing.services.INSERT_ATTEMPTS)
    with pytest.raises(OperationalError):
        allocate(unit, D, D + days(30))
    assert len(calls) == leasing.services.INSERT_ATTEMPTS
    assert not Allocation.objects.exists()


def test_it_does_not_retry_other_database_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = make_unit()
    calls: list[int] = []

    def save(self: Allocation, *args: object, **kwargs: object) -> None:
        calls.append(1)
        raise OperationalError("database is locked")

    monkeypatch.setattr(Allocation, "save", save)
    with pytest.raises(OperationalError, match="database is locked"):
        allocate(unit, D, D + days(30))
    assert len(calls) == 1

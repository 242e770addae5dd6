"""A unit's derived status on the edge dates of its ledger and its own dates.

Ranges are half-open [start, end): the last day of a lease is end - 1 and the
unit is free again on `end`. "Available soon" means the lease covering the day
ends within 90 days (end <= day + 90) and nothing continues it from its end.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from carriers.models import Carrier, Unit
from carriers.status import AVAILABLE_SOON_DAYS, UnitStatus, unit_status
from leasing.models import Allocation
from leasing.services import allocation_create
from tests.factories import make_carrier, make_tenant, make_unit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 2)
DAY = dt.timedelta(days=1)

VACANT = UnitStatus.VACANT
HELD = UnitStatus.HELD
OCCUPIED = UnitStatus.OCCUPIED
SOON = UnitStatus.AVAILABLE_SOON
NOT_READY = UnitStatus.NOT_READY
NOT_FOR_LEASE = UnitStatus.NOT_FOR_LEASE
RETIRED = UnitStatus.RETIRED
PLANNED = UnitStatus.PLANNED


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def lease(
    unit: Unit,
    start: dt.date,
    end: dt.date | None,
    state: str = Allocation.State.ACTIVE,
    **fields: object,
) -> Allocation:
    """An allocation made the way staff make it: through the service."""
    if state == Allocation.State.HELD:
        fields.setdefault("hold_expires_at", timezone.now() + days(2))
    return allocation_create(
        unit=unit, tenant=make_tenant(), start=start, end=end, state=state, **fields
    )


def expired_hold(unit: Unit, start: dt.date, end: dt.date | None) -> Allocation:
    # The service refuses to create a hold already past its expiry; the ledger
    # gets one when a hold simply runs out before any job has released it.
    return Allocation.objects.create(
        unit=unit,
        tenant=make_tenant(),
        start=start,
        end=end,
        state=Allocation.State.HELD,
        hold_expires_at=timezone.now() - dt.timedelta(minutes=1),
    )


def status(unit: Unit, on: dt.date) -> str:
    return unit_status(unit.pk, on)


# --- leases: first day, last day, the day after -------------------------------------


def test_it_shows_occupied_from_the_first_day_of_a_long_lease() -> None:
    unit = make_unit()
    lease(unit, D, D + days(365))
    assert status(unit, D - DAY) == VACANT
    assert status(unit, D) == OCCUPIED


def test_it_shows_available_soon_from_the_first_day_of_a_short_lease() -> None:
    unit = make_unit()
    lease(unit, D, D + days(30))
    assert status(unit, D - DAY) == VACANT
    assert status(unit, D) == SOON


def test_it_shows_the_last_day_as_let_and_the_end_date_as_vacant() -> None:
    unit = make_unit()
    end = D + days(200)
    lease(unit, D, end)
    last_day = end - DAY
    assert status(unit, last_day) == SOON
    assert status(unit, end) == VACANT
    assert status(unit, end + days(1000)) == VACANT


def test_it_switches_to_available_soon_exactly_90_days_before_the_end() -> None:
    unit = make_unit()
    end = D + days(365)
    lease(unit, D, end)
    assert AVAILABLE_SOON_DAYS == 90
    assert status(unit, end - days(91)) == OCCUPIED
    assert status(unit, end - days(90)) == SOON


@pytest.mark.parametrize(
    ("end_in_days", "expected"),
    [(1, SOON), (89, SOON), (90, SOON), (91, OCCUPIED), (365, OCCUPIED)],
)
def test_it_applies_the_90_day_boundary_to_the_end_date(end_in_days: int, expected: str) -> None:
    unit = make_unit()
    lease(unit, D - days(10), D + days(end_in_days))
    assert status(unit, D) == expected


def test_it_keeps_an_open_ended_lease_occupied_far_into_the_future() -> None:
    unit = make_unit()
    lease(unit, D, None)
    assert status(unit, D - DAY) == VACANT
    assert status(unit, D) == OCCUPIED
    assert status(unit, D + days(3650)) == OCCUPIED


# --- renewals --------------------------------------------------------------------


def test_it_shows_a_renewed_lease_as_occupied_not_available_soon() -> None:
    unit = make_unit()
    end = D + days(30)
    lease(unit, D - days(335), end)
    lease(unit, end, end + days(365))
    assert status(unit, D) == OCCUPIED
    assert status(unit, end - DAY) == OCCUPIED
    assert status(unit, end) == OCCUPIED


def test_it_shows_available_soon_when_the_next_lease_leaves_a_gap() -> None:
    unit = make_unit()
    end = D + days(30)
    lease(unit, D - days(335), end)
    lease(unit, end + DAY, end + days(365))
    assert status(unit, D) == SOON
    assert status(unit, end) == VACANT


def test_it_counts_a_hold_on_the_next_period_as_a_continuation() -> None:
    unit = make_unit()
    end = D + days(30)
    lease(unit, D - days(335), end)
    lease(unit, end, end + days(365), state=Allocation.State.HELD)
    assert status(unit, D) == OCCUPIED


def test_it_ignores_a_cancelled_renewal() -> None:
    unit = make_unit()
    end = D + days(30)
    lease(unit, D - days(335), end)
    renewal = lease(unit, end, end + days(365))
    Allocation.objects.filter(pk=renewal.pk).update(state=Allocation.State.CANCELLED)
    assert status(unit, D) == SOON


def test_it_ignores_an_expired_hold_on_the_next_period() -> None:
    unit = make_unit()
    end = D + days(30)
    lease(unit, D - days(335), end)
    expired_hold(unit, end, end + days(365))
    assert status(unit, D) == SOON


# --- holds and cancellations ------------------------------------------------------------


def test_it_shows_an_unexpired_hold_as_held() -> None:
    unit = make_unit()
    lease(unit, D, D + days(365), state=Allocation.State.HELD)
    assert status(unit, D - DAY) == VACANT
    assert status(unit, D) == HELD
    assert status(unit, D + days(364)) == HELD
    assert status(unit, D + days(365)) == VACANT


def test_it_shows_a_short_hold_as_held_not_available_soon() -> None:
    unit = make_unit()
    lease(unit, D, D + days(10), state=Allocation.State.HELD)
    assert status(unit, D) == HELD


def test_it_shows_an_expired_hold_as_vacant() -> None:
    unit = make_unit()
    expired_hold(unit, D, D + days(365))
    assert status(unit, D) == VACANT


def test_it_reads_hold_expiry_against_the_given_moment() -> None:
    unit = make_unit()
    expires = timezone.now() + days(1)
    lease(unit, D, D + days(365), state=Allocation.State.HELD, hold_expires_at=expires)
    qs = Unit.objects.filter(pk=unit.pk)
    assert qs.with_status(D, now=expires - dt.timedelta(seconds=1)).get().status == HELD
    assert qs.with_status(D, now=expires).get().status == VACANT


def test_it_shows_a_cancelled_allocation_as_vacant() -> None:
    unit = make_unit()
    allocation = lease(unit, D, D + days(365))
    Allocation.objects.filter(pk=allocation.pk).update(state=Allocation.State.CANCELLED)
    assert status(unit, D) == VACANT


def test_it_shows_ended_leases_as_occupied_on_their_historical_dates() -> None:
    unit = make_unit()
    start, end = D - days(400), D - days(100)
    lease(unit, start, end, state=Allocation.State.ENDED)
    assert status(unit, start - DAY) == VACANT
    assert status(unit, start) == OCCUPIED
    assert status(unit, end - days(91)) == OCCUPIED
    assert status(unit, end - days(90)) == SOON
    assert status(unit, end - DAY) == SOON
    assert status(unit, end) == VACANT
    assert status(unit, D) == VACANT


# --- the unit's own dates --------------------------------------------------------------


def test_it_shows_a_retired_unit_as_retired_from_its_retirement_day() -> None:
    retired_on = D + days(10)
    unit = make_unit(retired_on=retired_on)
    assert status(unit, retired_on - DAY) == VACANT
    assert status(unit, retired_on) == RETIRED
    assert status(unit, retired_on + days(1000)) == RETIRED


def test_it_shows_a_retiring_unit_with_its_normal_status_before_retirement() -> None:
    retired_on = D + days(200)
    unit = make_unit(retired_on=retired_on)
    lease(unit, D, retired_on)
    assert status(unit, D) == OCCUPIED
    # The lease ends as the unit retires: it never comes free, so not "available soon".
    assert status(unit, retired_on - DAY) == OCCUPIED
    assert status(unit, retired_on) == RETIRED


def test_it_shows_available_soon_when_the_lease_ends_before_retirement() -> None:
    retired_on = D + days(200)
    unit = make_unit(retired_on=retired_on)
    lease(unit, D, retired_on - days(30))
    assert status(unit, retired_on - days(31)) == SOON


def test_it_shows_a_unit_not_yet_in_service_as_planned() -> None:
    unit = make_unit(in_service_from=D + DAY)
    assert status(unit, D) == PLANNED
    assert status(unit, D + DAY) == VACANT


def test_it_shows_planned_before_not_for_lease() -> None:
    unit = make_unit(in_service_from=D + DAY, leasable=False)
    assert status(unit, D) == PLANNED
    assert status(unit, D + DAY) == NOT_FOR_LEASE


def test_it_shows_common_space_as_not_for_lease() -> None:
    unit = make_unit(leasable=False)
    assert status(unit, D) == NOT_FOR_LEASE


def test_it_shows_a_unit_being_made_ready_as_not_ready() -> None:
    unit = make_unit(ready_on=D + days(30))
    assert status(unit, D) == NOT_READY
    assert status(unit, D + days(29)) == NOT_READY
    assert status(unit, D + days(30)) == VACANT


def test_it_shows_a_unit_whose_ready_date_passed_as_vacant() -> None:
    unit = make_unit(ready_on=D - days(30))
    assert status(unit, D) == VACANT


def test_it_shows_a_lease_signed_during_fit_out_as_occupied() -> None:
    unit = make_unit(ready_on=D + days(30))
    lease(unit, D, D + days(365))
    assert status(unit, D) == OCCUPIED


# --- whole carriers, in one query -----------------------------------------------------


def stock(carrier: Carrier, n: int) -> dict[str, int]:
    """n units in a mix of statuses on D; returns the expected counts."""
    expected = dict.fromkeys(UnitStatus.values, 0)
    for i in range(n):
        kind = i % 6
        if kind == 0:
            unit = make_unit(carrier)
            lease(unit, D - days(100), D + days(365))
            expected[OCCUPIED] += 1
        elif kind == 1:
            unit = make_unit(carrier)
            lease(unit, D - days(300), D + days(60))
            expected[SOON] += 1
        elif kind == 2:
            unit = make_unit(carrier)
            lease(unit, D, D + days(365), state=Allocation.State.HELD)
            expected[HELD] += 1
        elif kind == 3:
            make_unit(carrier, ready_on=D + days(20))
            expected[NOT_READY] += 1
        elif kind == 4:
            unit = make_unit(carrier)
            lease(unit, D - days(365), D - days(1), state=Allocation.State.ENDED)
            expected[VACANT] += 1
        else:
            make_unit(carrier, leasable=False)
            expected[NOT_FOR_LEASE] += 1
    return expected


@pytest.mark.parametrize("n", [3, 30])
def test_it_counts_a_carrier_statuses_in_one_query(n: int, django_assert_num_queries) -> None:
    carrier = make_carrier()
    expected = stock(carrier, n)
    make_unit(make_carrier())  # another carrier's unit is not counted

    units = Unit.objects.filter(carrier=carrier)
    with django_assert_num_queries(1):
        counts = units.status_counts(D)
    assert counts == expected
    assert sum(counts.values()) == n


@pytest.mark.parametrize("n", [3, 30])
def test_it_lists_a_carrier_with_statuses_in_one_query(n: int, django_assert_num_queries) -> None:
    carrier = make_carrier()
    expected = stock(carrier, n)

    with django_assert_num_queries(1):
        units = list(Unit.objects.filter(carrier=carrier).with_status(D))
        listed = {unit.code: (unit.status, unit.current_state, unit.current_end) for unit in units}
    assert len(listed) == n
    got = dict.fromkeys(UnitStatus.values, 0)
    for unit_status_, _state, _end in listed.values():
        got[unit_status_] += 1
    assert got == expected


def test_it_filters_and_sorts_on_status_in_the_database() -> None:
    carrier = make_carrier()
    stock(carrier, 12)
    units = Unit.objects.filter(carrier=carrier).with_status(D)
    assert units.filter(status=OCCUPIED).count() == 2
    ordered = list(units.order_by("status", "code").values_list("status", flat=True))
    assert ordered == sorted(ordered)


def test_it_annotates_the_covering_allocation() -> None:
    unit = make_unit()
    allocation = lease(unit, D, D + days(100))
    annotated = Unit.objects.with_status(D).get(pk=unit.pk)
    assert annotated.current_allocation_id == allocation.pk
    assert annotated.current_state == Allocation.State.ACTIVE
    assert annotated.current_end == D + days(100)
    assert Unit.objects.with_status(D - DAY).get(pk=unit.pk).current_allocation_id is None

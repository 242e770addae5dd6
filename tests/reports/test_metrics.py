"""Occupancy metrics: hand-checked edges, a brute-force property test, constant query counts.

Ranges are half-open [start, end). The brute force below shares no code with
reports/metrics.py: it walks units and days in plain Python.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.models import Building, Floor, Unit
from leasing.models import Allocation
from reports.metrics import (
    Figure,
    occupancy_by,
    occupancy_by_each,
    occupancy_on,
    occupancy_trend,
    time_weighted_occupancy,
)
from tests.factories import make_carrier, make_floor, make_tenant, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The default language is Chinese; these tests read the English source labels.
    with translation.override("en"):
        yield


D = dt.date(2025, 6, 2)
NOW = timezone.make_aware(dt.datetime(2025, 6, 1, 12, 0))
A = Decimal("100.00")


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def lease(unit: Unit, start: dt.date, end: dt.date | None, **fields: object) -> Allocation:
    fields.setdefault("state", Allocation.State.ACTIVE)
    if fields["state"] == Allocation.State.HELD:
        fields.setdefault("hold_expires_at", NOW + days(2))
    return Allocation.objects.create(
        unit=unit, tenant=make_tenant(), start=start, end=end, **fields
    )


def space(carrier=None, area: Decimal = A, **fields: object) -> Unit:
    return make_unit(carrier, gross_area=area, usable_area=area, **fields)


def occ(day: dt.date, units: QuerySet[Unit] | None = None) -> dict[str, Figure]:
    return occupancy_on(units or Unit.objects.all(), day, now=NOW)


# --- hand-checked cases ---------------------------------------------------------------


def test_it_counts_a_lease_from_its_first_day_to_its_last_and_not_the_day_after() -> None:
    let = space()
    space(area=Decimal("300.00"))
    lease(let, D, D + days(10))
    assert occ(D - days(1))["occupancy_area"].value == Decimal("0.0000")
    assert occ(D)["occupancy_area"].value == Decimal("0.2500")
    assert occ(D + days(9))["occupancy_area"].value == Decimal("0.2500")
    assert occ(D + days(10))["occupancy_area"].value == Decimal("0.0000")
    assert occ(D)["vacancy_area"].value == Decimal("0.7500")


def test_it_keeps_an_open_ended_lease_occupied_years_later() -> None:
    unit = space()
    lease(unit, D, None)
    figures = occ(D + days(3650))
    assert figures["occupancy_area"].value == 1
    assert figures["occupancy_count"].numerator == 1


def test_it_leaves_out_retired_not_for_lease_planned_and_not_ready_units() -> None:
    kept = space(seats=10)
    space(retired_on=D)
    space(leasable=False)
    space(in_service_from=D + days(1))
    space(ready_on=D + days(1))
    lease(kept, D, None)
    figures = occ(D)
    assert figures["occupancy_area"].numerator == A
    assert figures["occupancy_area"].denominator == A
    assert figures["occupancy_count"].denominator == 1
    assert figures["occupancy_seats"].value == 1
    excludes = " | ".join(figures["occupancy_area"].excludes)
    for label in ("Retired: 1", "Not for lease: 1", "Not yet in service: 1", "not ready"):
        assert label in excludes


def test_it_counts_a_retired_unit_until_the_day_before_retirement() -> None:
    space(retired_on=D)
    assert occ(D - days(1))["occupancy_area"].denominator == A
    assert occ(D)["occupancy_area"].denominator == 0
    # No leasable space: no figure, rather than a misleading 0 %.
    assert occ(D)["occupancy_area"].value is None


def test_it_counts_a_unit_under_fit_out_once_it_is_let() -> None:
    unit = space(ready_on=D + days(30))
    lease(unit, D, None)
    assert occ(D)["occupancy_area"].value == 1
    assert occ(D - days(1))["occupancy_area"].denominator == 0


def test_it_counts_unexpired_holds_but_not_expired_holds_or_cancellations() -> None:
    held, expired, cancelled = (space() for _ in range(3))
    lease(held, D, D + days(5), state=Allocation.State.HELD)
    lease(expired, D, D + days(5), state=Allocation.State.HELD, hold_expires_at=NOW)
    lease(cancelled, D, D + days(5), state=Allocation.State.CANCELLED)
    assert occ(D)["occupancy_area"].numerator == A


def test_it_weighs_economic_occupancy_by_contracted_rent_and_area() -> None:
    let = space(list_rent=Decimal("50.00"))
    space(list_rent=Decimal("50.00"))
    lease(let, D, None, contracted_rent=Decimal("40.00"))
    figure = occ(D)["occupancy_economic"]
    assert figure.basis == "rent"
    assert figure.numerator == Decimal("4000.00")
    assert figure.denominator == Decimal("10000.00")
    assert figure.value == Decimal("0.4000")


def test_it_reports_exposure_and_turnkey_share_of_vacant_units() -> None:
    ending, renewed = space(), space()
    space(turnkey=True, turnkey_package="desks")
    space()
    lease(ending, D, D + days(30))
    lease(renewed, D, D + days(30))
    lease(renewed, D + days(30), None)
    figures = occ(D)
    assert figures["exposure_area"].numerator == A
    assert figures["exposure_area"].value == Decimal("0.2500")
    assert figures["vacant_turnkey_ready"].value == Decimal("0.5000")


def test_it_weighs_time_by_area_and_days_within_the_service_period() -> None:
    # Unit 1: 100 m², leased 10 of the 30 days. Unit 2: 200 m², retired after 15 days.
    one = space()
    two = space(area=Decimal("200.00"), retired_on=D + days(15))
    space(leasable=False)
    space(in_service_from=D + days(30))
    lease(one, D - days(5), D + days(10))
    lease(two, D + days(5), None)
    figure = time_weighted_occupancy(Unit.objects.all(), D, D + days(30), now=NOW)
    assert figure.numerator == 100 * 10 + 200 * 10
    assert figure.denominator == 100 * 30 + 200 * 15
    assert figure.value == Decimal("0.5000")
    assert figure.period == (D, D + days(30))


def test_it_counts_no_queries_more_for_30_units_than_for_3(django_assert_num_queries) -> None:
    carrier = make_carrier()
    for i in range(30):
        unit = space(carrier)
        if i % 2:
            lease(unit, D - days(i), D + days(i * 7))
    small = Unit.objects.filter(pk__in=Unit.objects.order_by("pk").values("pk")[:3])
    for units in (small, Unit.objects.all()):
        with django_assert_num_queries(1):
            occupancy_on(units, D, now=NOW)
        with django_assert_num_queries(1):
            time_weighted_occupancy(units, D - days(60), D + days(60), now=NOW)


def test_it_groups_by_carrier_building_and_floor_in_one_query(
    django_assert_num_queries,
) -> None:
    x, y = make_carrier(), make_carrier()
    lease(space(x), D, None)
    space(x)
    lease(space(y), D, None)
    upper = make_floor(x, level=2)
    space(area=Decimal("300.00"), floor=upper)
    with django_assert_num_queries(1):
        by_carrier = occupancy_by(Unit.objects.all(), D, "carrier", now=NOW)
    assert by_carrier[x.pk]["occupancy_area"].value == Decimal("0.2000")
    assert by_carrier[y.pk]["occupancy_count"].value == 1
    by_floor = occupancy_by(Unit.objects.filter(carrier=x), D, "floor", now=NOW)
    assert by_floor[upper.pk]["occupancy_area"].value == 0
    assert set(by_floor) == set(x.buildings.get().floors.values_list("pk", flat=True))
    by_building = occupancy_by(Unit.objects.filter(carrier=x), D, "building", now=NOW)
    assert by_building[x.buildings.get().pk]["occupancy_area"].denominator == Decimal("500.00")


def test_it_groups_by_floor_and_building_at_once_with_the_same_figures(
    django_assert_num_queries,
) -> None:
    x = make_carrier()
    ground, upper = make_floor(x), make_floor(x, level=2)
    other = Floor.objects.create(
        building=Building.objects.create(carrier=x, code="B", name="B栋"), level=1, label="1F"
    )
    for floor in (ground, upper, other):
        lease(space(floor=floor, seats=4), D, None)
        lease(space(area=Decimal("80.50"), floor=floor), D, None, state=Allocation.State.HELD)
        space(floor=floor)
    space(floor=upper, seats=2, leasable=False)
    units = Unit.objects.filter(carrier=x)
    with django_assert_num_queries(1):
        each = occupancy_by_each(units, D, ("floor", "building"), now=NOW)
    assert each["floor"] == occupancy_by(units, D, "floor", now=NOW)
    assert each["building"] == occupancy_by(units, D, "building", now=NOW)
    assert set(each["building"]) == {ground.building_id, other.building_id}
    assert each["building"][ground.building_id]["occupancy_count"].denominator == 6


def test_it_draws_a_monthly_trend_in_two_queries(django_assert_num_queries) -> None:
    unit = space()
    space()
    lease(unit, D - days(40), None)
    with django_assert_num_queries(2):
        points = occupancy_trend(Unit.objects.all(), D, months=24, now=NOW)
    assert len(points) == 25
    assert points[0].on == dt.date(2023, 6, 2) and points[-1].on == D
    assert [p.occupancy_area for p in points[-3:]] == [Decimal(0), Decimal("0.5"), Decimal("0.5")]
    for point in points[-3:]:
        assert point.occupancy_area == occ(point.on)["occupancy_area"].value


def test_it_prints_figures_as_json_and_as_a_table() -> None:
    carrier = make_carrier(code="ycl")
    lease(space(carrier), D, None)
    space(carrier)
    out = StringIO()
    call_command(
        "occupancy", "--date", D.isoformat(), "--carrier", "ycl", "--format", "json", stdout=out
    )
    by_name = {f["name"]: f for f in json.loads(out.getvalue())}
    assert by_name["occupancy_area"]["value"] == "0.5000"
    assert by_name["occupancy_area"]["on"] == D.isoformat()
    assert by_name["occupancy_area"]["basis"] == "area"
    out = StringIO()
    call_command("occupancy", "--from", "2025-06-02", "--to", "2025-06-12", stdout=out)
    assert "time_weighted_occupancy_area" in out.getvalue()
    assert "50.0%" in out.getvalue()
    assert "[2025-06-02, 2025-06-12)" in out.getvalue()
    for name in ("churn", "vacancy_spell_days", "time_to_fill_days", "graduates"):
        assert name in out.getvalue()


def test_it_prints_every_figure_with_changes_for_a_building_floor_and_kind() -> None:
    carrier = make_carrier(code="ycl")
    ground, upper = make_floor(carrier), make_floor(carrier, level=2)
    lease(space(floor=ground), D - days(20), None)
    space(floor=upper)
    space(floor=upper, kind=Unit.Kind.LAB)
    out = StringIO()
    call_command(
        "occupancy", "--date", D.isoformat(), "--carrier", "ycl", "--building", "A",
        "--floor", "1", "--format", "json", stdout=out,
    )  # fmt: skip
    by_name = {f["name"]: f for f in json.loads(out.getvalue())}
    assert by_name["occupancy_area"]["value"] == "1.0000"
    assert by_name["occupancy_area"]["month_on_month"] == "1.0000"
    assert by_name["occupancy_area"]["display"] == "100.0%"
    assert "incubatee_area_share" in by_name and "churn" in by_name
    out = StringIO()
    call_command("occupancy", "--date", D.isoformat(), "--kind", "lab", "--format", "json",
                 stdout=out)  # fmt: skip
    by_name = {f["name"]: f for f in json.loads(out.getvalue())}
    assert by_name["occupancy_count"]["denominator"] == "1.00"


@pytest.mark.parametrize(
    "args",
    [
        ["--date", "2025-06-02", "--from", "2025-06-01", "--to", "2025-07-01"],
        ["--from", "2025-06-01"],
        ["--from", "2025-06-02", "--to", "2025-06-02"],
        ["--carrier", "nowhere"],
        ["--date", "2025-02-30"],
        ["--building", "A"],
        ["--carrier", "ycl", "--floor", "1"],
        ["--carrier", "ycl", "--building", "Z"],
        ["--tenant-industry", "astrology"],
    ],
)
def test_it_refuses_unclear_command_arguments(args: list[str]) -> None:
    space(make_carrier(code="ycl"))
    with pytest.raises(CommandError):
        call_command("occupancy", *args, stdout=StringIO())


# --- property test against a brute force ----------------------------------------------

EPOCH = dt.date(2025, 1, 1)
SPAN = 60  # days the generated ledgers live in


@dataclass
class U:
    pk: int
    area: Decimal
    seats: int
    leasable: bool
    in_service: dt.date
    retired: dt.date | None
    ready: dt.date | None


@dataclass
class L:
    unit: int
    start: dt.date
    end: dt.date | None
    state: str
    expired: bool


def occupying(a: L) -> bool:
    return a.state != "cancelled" and not a.expired


def brute_status(u: U, ledger: list[L], day: dt.date) -> str:
    if day < u.in_service:
        return "planned"
    if u.retired and day >= u.retired:
        return "retired"
    if not u.leasable:
        return "not_for_lease"
    mine = [a for a in ledger if a.unit == u.pk and occupying(a)]
    covering = [a for a in mine if a.start <= day and (a.end is None or day < a.end)]
    if covering:
        a = covering[0]
        if a.state == "held":
            return "held"
        ending = a.end is not None and (a.end - day).days <= 90
        renewed = any(b.start == a.end for b in mine)
        retiring = u.retired is not None and u.retired <= (a.end or u.retired)
        return "soon" if ending and not renewed and not retiring else "let"
    if u.ready and day < u.ready:
        return "not_ready"
    return "vacant"


def brute_day(units: list[U], ledger: list[L], day: dt.date) -> dict[str, Decimal]:
    """Allocated and leasable area, count and seats, and exposed area, on one day."""
    sums = dict.fromkeys(["area", "base_area", "n", "base_n", "seats", "base_seats"], Decimal(0))
    sums["exposed"] = Decimal(0)
    for u in units:
        status = brute_status(u, ledger, day)
        if status not in ("held", "let", "soon", "vacant"):
            continue
        allocated = status != "vacant"
        sums["base_area"] += u.area
        sums["base_n"] += 1
        sums["base_seats"] += u.seats
        sums["area"] += u.area if allocated else 0
        sums["n"] += 1 if allocated else 0
        sums["seats"] += u.seats if allocated else 0
        sums["exposed"] += u.area if status == "soon" else 0
    return sums


unit_st = st.fixed_dictionaries(
    {
        "area": st.sampled_from([Decimal("10.00"), Decimal("55.50"), Decimal("200.00")]),
        "seats": st.integers(0, 12),
        "leasable": st.booleans(),
        "in_service": st.integers(0, SPAN),
        "service_days": st.one_of(st.none(), st.integers(1, SPAN)),
        "ready_after": st.one_of(st.none(), st.integers(0, SPAN)),
    }
)
lease_st = st.fixed_dictionaries(
    {
        "unit": st.integers(0, 5),
        "gap": st.integers(0, 20),
        "length": st.one_of(st.none(), st.integers(1, 120)),
        "state": st.sampled_from(["active", "ended", "held", "expired", "cancelled"]),
    }
)


def build(drawn_units: list[dict], drawn_leases: list[dict]) -> tuple[list[U], list[L]]:
    floor = make_floor(make_carrier())
    tenant = make_tenant()
    units: list[U] = []
    for i, d in enumerate(drawn_units):
        in_service = EPOCH + days(d["in_service"])
        retired = in_service + days(d["service_days"]) if d["service_days"] else None
        ready = EPOCH + days(d["ready_after"]) if d["ready_after"] is not None else None
        unit = Unit.objects.create(
            floor=floor,
            code=f"P{i}",
            gross_area=d["area"],
            usable_area=d["area"],
            seats=d["seats"],
            leasable=d["leasable"],
            in_service_from=in_service,
            retired_on=retired,
            ready_on=ready,
        )
        units.append(U(unit.pk, d["area"], d["seats"], d["leasable"], in_service, retired, ready))
    ledger: list[L] = []
    next_free = {u.pk: EPOCH - days(10) for u in units}
    for d in drawn_leases:
        unit = units[d["unit"] % len(units)]
        if next_free[unit.pk] is None:
            continue  # an open-ended lease already runs forever
        start = next_free[unit.pk] + days(d["gap"])
        state = "ended" if d["state"] == "ended" and d["length"] else d["state"]
        if state == "ended" and not d["length"]:
            state = "active"
        end = start + days(d["length"]) if d["length"] else None
        expired = state == "expired"
        Allocation.objects.create(
            unit_id=unit.pk,
            tenant=tenant,
            start=start,
            end=end,
            state="held" if expired else state,
            hold_expires_at=(NOW - days(1) if expired else NOW + days(1))
            if state in ("held", "expired")
            else None,
        )
        ledger.append(L(unit.pk, start, end, "held" if expired else state, expired))
        next_free[unit.pk] = end
    return units, ledger


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn_units=st.lists(unit_st, min_size=1, max_size=6),
    drawn_leases=st.lists(lease_st, max_size=8),
    day=st.integers(-5, SPAN + 40),
    period=st.tuples(st.integers(-5, SPAN + 20), st.integers(1, 60)),
)
def test_it_agrees_with_a_brute_force_over_random_ledgers(
    drawn_units: list[dict], drawn_leases: list[dict], day: int, period: tuple[int, int]
) -> None:
    with transaction.atomic():
        units, ledger = build(drawn_units, drawn_leases)
        scope = Unit.objects.filter(pk__in=[u.pk for u in units])
        on = EPOCH + days(day)
        want = brute_day(units, ledger, on)
        got = occupancy_on(scope, on, now=NOW)
        for name, key in (("area", "area"), ("count", "n"), ("seats", "seats")):
            figure = got[f"occupancy_{name}"]
            assert (figure.numerator, figure.denominator) == (want[key], want[f"base_{key}"])
        assert got["exposure_area"].numerator == want["exposed"]

        # The trend's points are the same figures on each month's day.
        for point in occupancy_trend(scope, on, months=3, now=NOW):
            want_then = brute_day(units, ledger, point.on)
            assert (point.allocated_area, point.leasable_area) == (
                want_then["area"],
                want_then["base_area"],
            )
            assert (point.allocated_units, point.leasable_units) == (
                want_then["n"],
                want_then["base_n"],
            )

        start = EPOCH + days(period[0])
        end = start + days(period[1])
        daily = [brute_day(units, ledger, start + days(i)) for i in range(period[1])]
        weighted = time_weighted_occupancy(scope, start, end, now=NOW)
        assert weighted.numerator == sum(t["area"] for t in daily)
        assert weighted.denominator == sum(t["base_area"] for t in daily)
        transaction.set_rollback(True)

"""Figures over a period: time to fill, vacancy spells, churn and absorption.

Hand-checked cases for each edge, a brute force over random ledgers for the
spells, churn and absorption, and constant query counts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carriers.models import Unit
from leasing.models import Allocation, SpaceRequest, Tenant
from reports.flows import churn_and_absorption, time_to_fill, time_to_fill_over, vacancy_spells
from tests.factories import make_carrier, make_floor, make_tenant, make_unit

pytestmark = pytest.mark.django_db

D = dt.date(2025, 6, 2)
A = Decimal("100.00")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def lease(unit: Unit, start: dt.date, end: dt.date | None, tenant: Tenant | None = None, **f):
    f.setdefault("state", Allocation.State.ACTIVE)
    if f["state"] == Allocation.State.HELD:
        f.setdefault("hold_expires_at", timezone.now() + days(2))
    return Allocation.objects.create(
        unit=unit, tenant=tenant or make_tenant(), start=start, end=end, **f
    )


def space(**fields: object) -> Unit:
    fields.setdefault("gross_area", A)
    fields.setdefault("usable_area", fields["gross_area"])
    return make_unit(**fields)


def ask(tenant: Tenant, submitted: dt.date) -> SpaceRequest:
    return SpaceRequest.objects.create(
        tenant=tenant,
        submitted_at=timezone.make_aware(dt.datetime.combine(submitted, dt.time(10))),
        area_min=Decimal(50),
        area_max=Decimal(150),
        unit_kind=Unit.Kind.OFFICE,
        move_in_on=submitted + days(30),
        term_months=12,
    )


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(15)))


# --- time to fill -------------------------------------------------------------------------


def test_it_measures_time_to_fill_and_to_first_offer_from_submission() -> None:
    unit, other = space(), space()
    fast, slow = make_tenant(), make_tenant()
    r1, r2 = ask(fast, D), ask(slow, D)
    # r1: offered after 2 days (a hold later cancelled), then let from day 10.
    lease(other, D + days(20), D + days(25), fast, request=r1, created_at=at(D + days(2)),
          state=Allocation.State.CANCELLED)  # fmt: skip
    lease(unit, D + days(10), None, fast, request=r1, created_at=at(D + days(4)))
    # r2: offered after 6 days, let from day 40.
    lease(other, D + days(40), None, slow, request=r2, created_at=at(D + days(6)))
    # A lease with no request does not count.
    lease(space(), D + days(5), None)
    figures = time_to_fill(Unit.objects.all(), D, D + days(60))
    fill = figures["time_to_fill_days"]
    assert fill.value == Decimal(25)  # median of 10 and 40
    assert (fill.numerator, fill.denominator) == (Decimal(50), Decimal(2))
    assert fill.basis == "days" and fill.period == (D, D + days(60))
    assert figures["time_to_first_offer_days"].value == Decimal(4)  # median of 2 and 6


def test_it_counts_a_request_in_the_period_its_lease_starts() -> None:
    tenant = make_tenant()
    lease(space(), D + days(10), None, tenant, request=ask(tenant, D))
    assert time_to_fill(Unit.objects.all(), D, D + days(10))["time_to_fill_days"].value is None
    assert time_to_fill(Unit.objects.all(), D + days(10), D + days(11))[
        "time_to_fill_days"
    ].value == Decimal(10)


def test_it_reads_time_to_fill_only_through_the_units_asked_about() -> None:
    x, y = make_carrier(), make_carrier()
    tenant = make_tenant()
    lease(space(floor=make_floor(y)), D + days(3), None, tenant, request=ask(tenant, D))
    figures = time_to_fill(Unit.objects.filter(carrier=x), D, D + days(30))
    assert figures["time_to_fill_days"].denominator == 0


# --- vacancy spells -----------------------------------------------------------------------


def test_it_splits_a_vacancy_spell_into_days_to_get_ready_and_days_to_let() -> None:
    unit = space(ready_on=D + days(20))
    lease(unit, D - days(100), D)
    lease(unit, D + days(50), None)
    spells = vacancy_spells(Unit.objects.all(), D, D + days(60))
    assert spells["vacancy_spell_days"].value == Decimal(50)
    assert spells["days_to_get_ready"].value == Decimal(20)
    assert spells["days_to_let"].value == Decimal(30)


def test_it_has_no_spell_for_a_renewal_a_first_letting_or_an_open_spell() -> None:
    renewed, first, still_empty = space(), space(), space()
    tenant = make_tenant()
    lease(renewed, D - days(100), D + days(5), tenant)
    lease(renewed, D + days(5), None, tenant)
    lease(first, D + days(5), None)
    lease(still_empty, D - days(100), D)
    lease(still_empty, D + days(10), D + days(20), state=Allocation.State.CANCELLED)
    spells = vacancy_spells(Unit.objects.all(), D, D + days(60))
    assert spells["vacancy_spell_days"].value is None
    assert spells["vacancy_spell_days"].denominator == 0


def test_it_ignores_a_ready_date_outside_the_spell() -> None:
    unit = space(ready_on=D - days(300))
    lease(unit, D - days(100), D)
    lease(unit, D + days(7), None)
    spells = vacancy_spells(Unit.objects.all(), D, D + days(60))
    assert spells["days_to_get_ready"].value == 0
    assert spells["days_to_let"].value == Decimal(7)


# --- churn and absorption -----------------------------------------------------------------


def test_it_counts_churn_and_net_absorption_without_renewals() -> None:
    a, b, c, d = space(), space(gross_area=Decimal("50.00")), space(), space()
    tenant = make_tenant()
    lease(a, D - days(100), D + days(10))  # moves out in the period
    lease(b, D - days(100), D + days(400))  # stays
    lease(c, D - days(100), D + days(20), tenant)  # renewed: neither out nor in
    lease(c, D + days(20), None, tenant)
    lease(d, D + days(30), None)  # moves in
    figures = churn_and_absorption(Unit.objects.all(), D, D + days(60))
    churn = figures["churn"]
    assert (churn.numerator, churn.denominator) == (Decimal(1), Decimal(3))
    assert churn.value == Decimal("0.3333")
    assert figures["moved_in_area"].value == A
    assert figures["moved_out_area"].value == A
    assert figures["net_absorption_area"].value == 0


def test_it_takes_holds_and_cancellations_as_neither_in_nor_out() -> None:
    unit = space()
    lease(unit, D + days(1), D + days(5), state=Allocation.State.HELD)
    lease(space(), D + days(1), D + days(5), state=Allocation.State.CANCELLED)
    figures = churn_and_absorption(Unit.objects.all(), D, D + days(60))
    assert figures["moved_in_area"].value == 0
    assert figures["churn"].value is None  # nothing running at the start: no figure


def test_it_runs_a_fixed_number_of_queries(django_assert_num_queries) -> None:
    for i in range(12):
        unit = space()
        tenant = make_tenant()
        lease(unit, D - days(30 + i), D + days(i), tenant, request=ask(tenant, D - days(40)))
        lease(unit, D + days(i + 3), None)
    units = Unit.objects.all()
    with django_assert_num_queries(2):
        time_to_fill(units, D - days(60), D + days(60))
    with django_assert_num_queries(1):
        vacancy_spells(units, D, D + days(60))
    with django_assert_num_queries(1):
        churn_and_absorption(units, D, D + days(60))


# --- brute force over random ledgers ------------------------------------------------------

EPOCH = dt.date(2025, 1, 1)

ledger_st = st.lists(
    st.fixed_dictionaries(
        {
            "unit": st.integers(0, 3),
            "gap": st.integers(0, 15),
            "length": st.one_of(st.none(), st.integers(1, 60)),
            "same_tenant": st.booleans(),
            "state": st.sampled_from(["active", "ended", "cancelled", "held"]),
        }
    ),
    max_size=10,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=ledger_st,
    ready=st.lists(st.one_of(st.none(), st.integers(0, 120)), min_size=4, max_size=4),
    period=st.tuples(st.integers(0, 100), st.integers(1, 80)),
)
def test_it_agrees_with_a_brute_force_over_random_ledgers(
    drawn: list[dict], ready: list[int | None], period: tuple[int, int]
) -> None:
    with transaction.atomic():
        floor = make_floor(make_carrier())
        tenants = [make_tenant(), make_tenant()]
        units = [
            space(
                floor=floor,
                gross_area=Decimal(10 * (i + 1)),
                ready_on=None if r is None else EPOCH + days(r),
            )
            for i, r in enumerate(ready)
        ]
        # (unit index, start, end, tenant index, state) of each allocation, in plain Python.
        rows: list[tuple[int, dt.date, dt.date | None, int, str]] = []
        free: dict[int, dt.date | None] = dict.fromkeys(range(4), EPOCH)
        last_tenant = dict.fromkeys(range(4), 0)
        for d in drawn:
            u = d["unit"]
            if free[u] is None:
                continue
            start = free[u] + days(d["gap"])
            end = start + days(d["length"]) if d["length"] else None
            state = d["state"]
            if state == "ended" and end is None:
                state = "active"
            t = last_tenant[u] if d["same_tenant"] else 1 - last_tenant[u]
            lease(units[u], start, end, tenants[t], state=state)
            rows.append((u, start, end, t, state))
            if state != "cancelled":
                free[u] = end
            last_tenant[u] = t
        lo = EPOCH + days(period[0])
        hi = lo + days(period[1])
        scope = Unit.objects.filter(floor=floor)

        signed = [r for r in rows if r[4] in ("active", "ended")]

        def renewal(a: tuple, b: tuple) -> bool:
            return a[0] == b[0] and a[3] == b[3] and a[2] == b[1]

        running = [r for r in signed if r[1] <= lo and (r[2] is None or r[2] > lo)]
        outs = [
            r
            for r in signed
            if r[2] is not None and lo <= r[2] < hi and not any(renewal(r, b) for b in signed)
        ]
        ins = [r for r in signed if lo <= r[1] < hi and not any(renewal(a, r) for a in signed)]
        area = {i: Decimal(10 * (i + 1)) for i in range(4)}
        got = churn_and_absorption(scope, lo, hi)
        assert got["churn"].numerator == len(outs)
        assert got["churn"].denominator == len(running)
        assert got["moved_in_area"].value == sum((area[r[0]] for r in ins), Decimal(0))
        assert got["moved_out_area"].value == sum((area[r[0]] for r in outs), Decimal(0))

        spells = []
        for u in range(4):
            mine = sorted((r for r in signed if r[0] == u), key=lambda r: r[1])
            for before, after in itertools.pairwise(mine):
                if lo <= after[1] < hi and before[2] is not None and before[2] < after[1]:
                    spells.append((after[1] - before[2]).days)
        figure = vacancy_spells(scope, lo, hi)["vacancy_spell_days"]
        assert figure.denominator == len(spells)
        assert figure.value == (Decimal(str(statistics.median(spells))) if spells else None)
        transaction.set_rollback(True)


def test_it_reads_several_periods_in_the_same_two_queries(django_assert_num_queries) -> None:
    for i in range(6):
        tenant = make_tenant()
        request = ask(tenant, D - days(30 * i + 20))
        lease(space(), D - days(30 * i), None, tenant, request=request,
              created_at=at(D - days(30 * i + 15)))  # fmt: skip
    periods = [(D - days(60), D + days(1)), (D - days(200), D - days(30)), (D, D + days(5))]
    with django_assert_num_queries(2):
        together = time_to_fill_over(Unit.objects.all(), periods)
    for period, figures in zip(periods, together, strict=True):
        alone = time_to_fill(Unit.objects.all(), *period)
        for name in ("time_to_fill_days", "time_to_first_offer_days"):
            assert figures[name] == alone[name]
    assert together[0]["time_to_fill_days"].denominator == 3

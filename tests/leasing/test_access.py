"""The one access layer (leasing.access): each role's scope, and every scoped
queryset for the owner, another manager, leadership and two tenants.

The world: carriers X and Y with a unit, a lease and a handover each. Tenant A
leases in X and asks for X; tenant B leases in Y and asks for Y; tenant C asks
without naming a carrier, which puts its request in every manager's queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory

from carriers.models import Carrier, Unit
from leasing.access import Role, Scope, get_in_scope, request_scope, scope_for
from leasing.leases import handover_record
from leasing.models import Allocation, Handover, SpaceRequest, Tenant
from leasing.offers import offer_make, offer_withdraw
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_lease,
    make_manager,
    make_request,
    make_tenant_user,
    make_user,
    today,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    x: Carrier
    y: Carrier
    ux: Unit
    uy: Unit
    a: Tenant
    b: Tenant
    c: Tenant
    req_a: SpaceRequest
    req_b: SpaceRequest
    req_c: SpaceRequest
    lease_a: Allocation
    lease_b: Allocation
    handover_a: Handover
    handover_b: Handover
    users: dict[str, User | AnonymousUser]


@pytest.fixture
def world() -> World:
    x = make_carrier(code="x", name="载体X")
    y = make_carrier(code="y", name="载体Y")
    ux, uy = make_unit(x, code="X-101"), make_unit(y, code="Y-101")
    a, b, c = (make_tenant(name=f"企业{n}") for n in "ABC")
    lease_a = make_lease(ux, today() - days(100), today() + days(265), tenant=a)
    lease_b = make_lease(uy, today() - days(100), today() + days(265), tenant=b)
    admin = make_user("admin", is_superuser=True, is_staff=True)
    users: dict[str, User | AnonymousUser] = {
        "admin": admin,
        "leadership": make_leadership("leader"),
        "manager_x": make_manager(x, username="manager_x"),
        "manager_y": make_manager(y, username="manager_y"),
        "tenant_a": make_tenant_user(a, "user_a"),
        "tenant_b": make_tenant_user(b, "user_b"),
        "anonymous": AnonymousUser(),
    }
    return World(
        x=x,
        y=y,
        ux=ux,
        uy=uy,
        a=a,
        b=b,
        c=c,
        req_a=make_request(a, preferred_carriers=[x]),
        req_b=make_request(b, preferred_carriers=[y]),
        req_c=make_request(c),
        lease_a=lease_a,
        lease_b=lease_b,
        handover_a=handover_record(
            lease=lease_a, kind=Handover.Kind.MOVE_IN, actor=admin, on=lease_a.start
        ),
        handover_b=handover_record(
            lease=lease_b, kind=Handover.Kind.MOVE_IN, actor=admin, on=lease_b.start
        ),
        users=users,
    )


# --- roles ------------------------------------------------------------------------------


def test_it_makes_a_superuser_the_admin_managing_every_carrier(world: World) -> None:
    late = make_carrier()
    scope = scope_for(world.users["admin"])
    assert scope.role == Role.ADMIN
    assert scope.managed_carrier_ids == {world.x.pk, world.y.pk, late.pk}
    assert scope.reads_everything
    assert scope.manages(world.x.pk) and scope.manages(late.pk)


def test_it_lets_leadership_read_everything_and_manage_nothing(world: World) -> None:
    scope = scope_for(world.users["leadership"])
    assert scope.role == Role.LEADERSHIP
    assert scope.reads_everything
    assert scope.managed_carrier_ids == frozenset()
    assert not scope.manages(world.x.pk)
    assert scope.tenant_ids == frozenset()


def test_it_makes_a_carriers_manager_the_manager_of_exactly_those(world: World) -> None:
    make_carrier()  # not theirs
    both = make_manager(world.x, world.y)
    assert scope_for(world.users["manager_x"]).managed_carrier_ids == {world.x.pk}
    scope = scope_for(both)
    assert scope.role == Role.MANAGER
    assert scope.managed_carrier_ids == {world.x.pk, world.y.pk}
    assert not scope.reads_everything
    assert scope.is_staff_side and not scope.is_tenant_side


def test_it_makes_a_company_user_a_tenant_of_that_company(world: World) -> None:
    scope = scope_for(world.users["tenant_a"])
    assert scope.role == Role.TENANT
    assert scope.tenant_ids == {world.a.pk}
    assert scope.managed_carrier_ids == frozenset()
    assert scope.acts_for(world.a.pk) and not scope.acts_for(world.b.pk)
    assert scope.is_tenant_side and not scope.is_staff_side


def test_it_gives_anonymous_and_inactive_users_nothing(world: World) -> None:
    assert scope_for(AnonymousUser()).role == Role.NONE
    inactive = make_tenant_user(world.a, "gone")
    inactive.is_active = False
    inactive.save()
    assert scope_for(inactive).role == Role.NONE


def test_it_memoises_the_scope_on_the_http_request(
    world: World, django_assert_num_queries: object
) -> None:
    http = RequestFactory().get("/")
    http.user = world.users["manager_x"]
    scope = request_scope(http)
    with django_assert_num_queries(0):
        assert request_scope(http) is scope


# --- scoped querysets --------------------------------------------------------------------

WHO = ["admin", "leadership", "manager_x", "manager_y", "tenant_a", "tenant_b", "anonymous"]


def expected(world: World, who: str) -> dict[str, set[object]]:
    everything = {
        "carriers": {world.x, world.y},
        "units": {world.ux, world.uy},
        "tenants": {world.a, world.b, world.c},
        "requests": {world.req_a, world.req_b, world.req_c},
        "allocations": {world.lease_a, world.lease_b},
        "handovers": {world.handover_a, world.handover_b},
    }
    nothing: dict[str, set[object]] = {name: set() for name in everything}
    return {
        "admin": everything,
        "leadership": everything,
        "manager_x": {
            "carriers": {world.x},
            "units": {world.ux},
            "tenants": {world.a, world.c},
            "requests": {world.req_a, world.req_c},
            "allocations": {world.lease_a},
            "handovers": {world.handover_a},
        },
        "manager_y": {
            "carriers": {world.y},
            "units": {world.uy},
            "tenants": {world.b, world.c},
            "requests": {world.req_b, world.req_c},
            "allocations": {world.lease_b},
            "handovers": {world.handover_b},
        },
        "tenant_a": {
            "carriers": set(),
            "units": {world.ux},
            "tenants": {world.a},
            "requests": {world.req_a},
            "allocations": {world.lease_a},
            "handovers": {world.handover_a},
        },
        "tenant_b": {
            "carriers": set(),
            "units": {world.uy},
            "tenants": {world.b},
            "requests": {world.req_b},
            "allocations": {world.lease_b},
            "handovers": {world.handover_b},
        },
        "anonymous": nothing,
    }[who]


@pytest.mark.parametrize(
    "queryset", ["carriers", "units", "tenants", "requests", "allocations", "handovers"]
)
@pytest.mark.parametrize("who", WHO)
def test_it_scopes_every_queryset_to_who_asks(world: World, who: str, queryset: str) -> None:
    scope = scope_for(world.users[who])
    rows = list(getattr(scope, queryset)())
    assert len(rows) == len(set(rows))  # no duplicates from the joins
    assert set(rows) == expected(world, who)[queryset]


def test_it_shows_a_request_naming_no_carrier_to_every_manager(world: World) -> None:
    third = make_manager(make_carrier())
    for manager in (world.users["manager_x"], world.users["manager_y"], third):
        assert world.req_c in scope_for(manager).requests()


def test_it_shows_a_request_for_another_carrier_only_once_offered_a_unit_here(
    world: World,
) -> None:
    manager_x = world.users["manager_x"]
    assert world.req_b not in scope_for(manager_x).requests()
    assert world.b not in scope_for(manager_x).tenants()

    offer_make(request=world.req_b, unit=make_unit(world.x), actor=manager_x)

    assert world.req_b in scope_for(manager_x).requests()
    assert world.b in scope_for(manager_x).tenants()


def test_it_lists_a_request_naming_several_carriers_once(world: World) -> None:
    both = make_request(world.a, preferred_carriers=[world.x, world.y])
    manager = make_manager(world.x, world.y)
    for user in (manager, world.users["admin"], world.users["tenant_a"]):
        assert list(scope_for(user).requests().filter(pk=both.pk)) == [both]


def test_it_shows_a_tenant_the_units_offered_but_not_those_withdrawn(world: World) -> None:
    offered = make_unit(world.y)
    withdrawn = make_unit(world.y)
    manager_y = world.users["manager_y"]
    offer_make(request=world.req_a, unit=offered, actor=manager_y)
    req = make_request(world.a, preferred_carriers=[world.y])
    offer_withdraw(offer=offer_make(request=req, unit=withdrawn, actor=manager_y), actor=manager_y)
    units = set(scope_for(world.users["tenant_a"]).units())
    assert units == {world.ux, offered}


def test_it_scopes_a_user_of_two_companies_to_both(world: World) -> None:
    user = make_tenant_user(world.a)
    world.b.users.add(user)
    scope = scope_for(user)
    assert set(scope.requests()) == {world.req_a, world.req_b}
    assert set(scope.allocations()) == {world.lease_a, world.lease_b}


# --- refusals ------------------------------------------------------------------------------


def test_it_lets_a_manager_change_their_own_carrier(world: World) -> None:
    scope_for(world.users["manager_x"]).require_manager(world.x.pk)
    scope_for(world.users["admin"]).require_manager(world.y.pk)


@pytest.mark.parametrize("who", ["manager_y", "tenant_a", "tenant_b", "anonymous"])
def test_it_hides_a_carrier_from_those_who_may_not_see_it(world: World, who: str) -> None:
    with pytest.raises(Http404):
        scope_for(world.users[who]).require_manager(world.x.pk)


def test_it_refuses_leadership_a_change_with_403(world: World) -> None:
    with pytest.raises(PermissionDenied):
        scope_for(world.users["leadership"]).require_manager(world.x.pk)


def test_it_lets_a_tenant_act_only_for_its_company(world: World) -> None:
    scope = scope_for(world.users["tenant_a"])
    scope.require_tenant(world.a.pk)
    with pytest.raises(Http404):
        scope.require_tenant(world.b.pk)
    with pytest.raises(Http404):
        scope_for(world.users["manager_x"]).require_tenant(world.a.pk)


@pytest.mark.parametrize(
    ("who", "queryset", "attribute"),
    [
        ("tenant_a", "requests", "req_b"),
        ("tenant_a", "allocations", "lease_b"),
        ("tenant_a", "handovers", "handover_b"),
        ("tenant_a", "tenants", "b"),
        ("manager_x", "requests", "req_b"),
        ("manager_x", "units", "uy"),
        ("manager_x", "allocations", "lease_b"),
        ("manager_x", "carriers", "y"),
        ("anonymous", "requests", "req_a"),
    ],
)
def test_it_answers_out_of_scope_with_404(
    world: World, who: str, queryset: str, attribute: str
) -> None:
    scope: Scope = scope_for(world.users[who])
    with pytest.raises(Http404):
        get_in_scope(getattr(scope, queryset)(), pk=getattr(world, attribute).pk)


def test_it_answers_absent_with_the_same_404(world: World) -> None:
    with pytest.raises(Http404):
        get_in_scope(scope_for(world.users["admin"]).requests(), pk=10**9)


def test_it_returns_an_object_in_scope(world: World) -> None:
    scope = scope_for(world.users["tenant_a"])
    assert get_in_scope(scope.requests(), pk=world.req_a.pk) == world.req_a
    assert get_in_scope(scope.handovers(), pk=world.handover_a.pk) == world.handover_a

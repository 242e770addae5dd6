"""Builders for the request workflow tests: users by role, requests, leases."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.utils import timezone

from carriers.models import Carrier, Unit
from leasing.models import Allocation, SpaceRequest, Tenant
from leasing.services import allocation_create
from tests.factories import make_tenant

_seq = itertools.count(1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def today() -> dt.date:
    return timezone.localdate()


def make_user(username: str | None = None, **fields: Any) -> User:
    username = username or f"user{next(_seq)}"
    fields.setdefault("email", f"{username}@example.cn")
    return User.objects.create_user(username=username, password=None, **fields)


def make_manager(*carriers: Carrier, username: str | None = None) -> User:
    user = make_user(username)
    for carrier in carriers:
        carrier.managers.add(user)
    return user


def make_leadership(username: str | None = None) -> User:
    user = make_user(username)
    user.groups.add(Group.objects.get_or_create(name="leadership")[0])
    return user


def make_tenant_user(tenant: Tenant, username: str | None = None) -> User:
    user = make_user(username)
    tenant.users.add(user)
    return user


def make_request(tenant: Tenant | None = None, **fields: Any) -> SpaceRequest:
    """A request in the queue, written directly (request_submit is tested on its own)."""
    preferred = fields.pop("preferred_carriers", ())
    defaults: dict[str, Any] = {
        "area_min": Decimal("180"),
        "area_max": Decimal("220"),
        "unit_kind": Unit.Kind.OFFICE,
        "seats": 10,
        "move_in_on": today() + days(30),
        "term_months": 12,
    }
    request = SpaceRequest.objects.create(tenant=tenant or make_tenant(), **{**defaults, **fields})
    if preferred:
        request.preferred_carriers.set(preferred)
    return request


def make_lease(
    unit: Unit,
    start: dt.date,
    end: dt.date | None,
    *,
    tenant: Tenant | None = None,
    **fields: Any,
) -> Allocation:
    """An allocation through the service (active unless told otherwise)."""
    if fields.get("state") == Allocation.State.HELD:
        fields.setdefault("hold_expires_at", timezone.now() + days(2))
    return allocation_create(
        unit=unit, tenant=tenant or make_tenant(), start=start, end=end, **fields
    )

"""A small zone for the report tests: two carriers, floors, leases, incubatees."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from carriers.choices import Industry
from carriers.models import Carrier, Unit
from leasing.models import Qualification, Tenant
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import make_leadership, make_lease, make_manager, make_tenant_user

X_NAME = "阳澄湖两岸科创中心研发总部二期"
Y_NAME = "国家高新区集成创新中心"


@dataclass
class ReportWorld:
    day: dt.date
    x: Carrier
    y: Carrier
    tenant: Tenant
    ending_tenant: Tenant
    manager_x: User
    manager_y: User
    leader: User
    tenant_user: User


def build_world() -> ReportWorld:
    day = timezone.localdate()
    x = make_carrier(code="ycl2", name=X_NAME)
    y = make_carrier(code="jccx", name=Y_NAME)
    tenant = make_tenant(
        name="昆山甲子智能科技有限公司",
        industry=Industry.AI,
        incubation_entered_on=day - dt.timedelta(days=400),
        employees=30,
        rd_staff=12,
    )
    Qualification.objects.create(
        tenant=tenant, kind=Qualification.Kind.TECH_SME, valid_from=day - dt.timedelta(days=200)
    )
    # A name a spreadsheet would run as a formula: it must stay text.
    ending_tenant = make_tenant(name='=HYPERLINK("http://x")生物', industry=Industry.BIOMEDICINE)
    for carrier in (x, y):
        for level in (1, 2, 3):
            make_floor(carrier, level)
    # X: floor 1 fully let, floor 2 half let, floor 3 vacant; one lease ends in 30 days.
    f1, f2, f3 = (make_floor(x, level) for level in (1, 2, 3))
    long_ago = day - dt.timedelta(days=300)
    make_lease(make_unit(x, floor=f1, code="X-101"), long_ago, None, tenant=tenant)
    make_lease(
        make_unit(
            x, floor=f1, code="X-102", gross_area=Decimal("100.00"), usable_area=Decimal("80")
        ),
        long_ago,
        day + dt.timedelta(days=30),
        tenant=ending_tenant,
    )
    make_lease(make_unit(x, floor=f2, code="X-201"), long_ago, None, tenant=tenant)
    make_unit(x, floor=f2, code="X-202", turnkey=True, turnkey_package="桌椅、网络")
    make_unit(x, floor=f3, code="X-301")
    make_unit(x, floor=f3, code="X-302", leasable=False)
    # Y: one let unit.
    make_lease(make_unit(y, floor=make_floor(y, 1), code="Y-101"), long_ago, None, tenant=tenant)
    return ReportWorld(
        day=day,
        x=x,
        y=y,
        tenant=tenant,
        ending_tenant=ending_tenant,
        manager_x=make_manager(x, username="manager_x"),
        manager_y=make_manager(y, username="manager_y"),
        leader=make_leadership("leader"),
        tenant_user=make_tenant_user(tenant, "tenant_a"),
    )


def units_of(carrier: Carrier):
    return Unit.objects.filter(carrier=carrier)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """Report files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(db: None, media: Path) -> ReportWorld:
    return build_world()

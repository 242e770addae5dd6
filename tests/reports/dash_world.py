"""A small zone for the dashboard, grid, API and cache tests.

Carrier X (阳澄湖…二期, managed by `manager`) has two buildings: A with floors
1F–3F and B with 1F. Carrier Y (集成创新中心) has one building. Leases:

    X  A-101  200 m²  leased to 甲子 (open-ended, since 400 days)
    X  A-102  100 m²  leased to 乙丑, ending in 30 days (available soon)
    X  A-201  300 m²  vacant, turnkey
    X  A-301  150 m²  vacant
    X  A-302   50 m²  not for lease (common space)
    X  B-101  250 m²  leased to 甲子 since 20 days (so not occupied a month ago)
    Y  Y-101  400 m²  leased to 丙辰 (open-ended)
    Y  Y-102  100 m²  vacant

So on today: X leasable area 1,000 m², allocated 550 m² (55 %); Y 500 m², 400 m² (80 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import Group, User

from carriers.models import Building, Carrier, Floor, Unit
from leasing.access import TENANT_GROUP
from leasing.models import Allocation, Tenant
from tests.factories import make_carrier, make_tenant
from tests.leasing.workflow import days, make_leadership, make_lease, make_manager, make_user, today


@dataclass
class Zone:
    x: Carrier
    y: Carrier
    a: Building
    b: Building
    yb: Building
    floors: dict[str, Floor]
    units: dict[str, Unit]
    leases: dict[str, Allocation]
    tenants: dict[str, Tenant]
    manager: User
    leader: User
    admin: User
    tenant_user: User
    outsider: User  # manages Y only


def _floor(building: Building, level: int) -> Floor:
    return Floor.objects.create(building=building, level=level, label=f"{level}F")


def _unit(floor: Floor, code: str, area: str, **fields: object) -> Unit:
    defaults: dict[str, object] = {
        "gross_area": Decimal(area),
        "usable_area": Decimal(area) * Decimal("0.8"),
        "seats": 10,
        "list_rent": Decimal("50.00"),
        "in_service_from": dt.date(2020, 1, 1),
    }
    return Unit.objects.create(floor=floor, code=code, **{**defaults, **fields})


def build_zone() -> Zone:
    x = make_carrier(code="ycl2", name="阳澄湖两岸科创中心研发总部二期")
    y = make_carrier(code="jccx", name="国家高新区集成创新中心")
    a = Building.objects.create(carrier=x, code="A", name="A栋")
    b = Building.objects.create(carrier=x, code="B", name="B栋")
    yb = Building.objects.create(carrier=y, code="1", name="1号楼")
    floors = {
        "A1": _floor(a, 1),
        "A2": _floor(a, 2),
        "A3": _floor(a, 3),
        "B1": _floor(b, 1),
        "Y1": _floor(yb, 1),
    }
    units = {
        "A-101": _unit(floors["A1"], "A-101", "200"),
        "A-102": _unit(floors["A1"], "A-102", "100"),
        "A-201": _unit(
            floors["A2"], "A-201", "300", turnkey=True, turnkey_package="办公桌椅 20 套"
        ),
        "A-301": _unit(floors["A3"], "A-301", "150"),
        "A-302": _unit(floors["A3"], "A-302", "50", leasable=False),
        "B-101": _unit(floors["B1"], "B-101", "250"),
        "Y-101": _unit(floors["Y1"], "Y-101", "400"),
        "Y-102": _unit(floors["Y1"], "Y-102", "100"),
    }
    tenants = {
        "jiazi": make_tenant(name="昆山甲子智能科技有限公司"),
        "yichou": make_tenant(name="昆山乙丑生物医药有限公司"),
        "bingchen": make_tenant(name="昆山丙辰半导体有限公司"),
    }
    leases = {
        "A-101": make_lease(units["A-101"], today() - days(400), None, tenant=tenants["jiazi"]),
        "A-102": make_lease(
            units["A-102"], today() - days(300), today() + days(30), tenant=tenants["yichou"]
        ),
        "B-101": make_lease(units["B-101"], today() - days(20), None, tenant=tenants["jiazi"]),
        "Y-101": make_lease(units["Y-101"], today() - days(100), None, tenant=tenants["bingchen"]),
    }
    tenant_user = make_user("tenant_user")
    tenant_user.groups.add(Group.objects.get_or_create(name=TENANT_GROUP)[0])
    tenants["jiazi"].users.add(tenant_user)
    return Zone(
        x=x,
        y=y,
        a=a,
        b=b,
        yb=yb,
        floors=floors,
        units=units,
        leases=leases,
        tenants=tenants,
        manager=make_manager(x, username="manager"),
        leader=make_leadership("leader"),
        admin=make_user("admin", is_superuser=True, is_staff=True),
        tenant_user=tenant_user,
        outsider=make_manager(y, username="outsider"),
    )

"""Small builders for test data: explicit values, no magic."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from carriers.models import Building, Carrier, Floor, Unit
from leasing.models import Tenant
from leasing.uscc import make_uscc

_seq = itertools.count(1)


def make_carrier(**fields: Any) -> Carrier:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "name": f"测试载体{n}",
        "code": f"c{n}",
        "kind": Carrier.Kind.INCUBATOR,
    }
    return Carrier.objects.create(**{**defaults, **fields})


def make_floor(carrier: Carrier | None = None, level: int = 1) -> Floor:
    carrier = carrier or make_carrier()
    building, _ = Building.objects.get_or_create(
        carrier=carrier, code="A", defaults={"name": "A栋"}
    )
    floor, _ = Floor.objects.get_or_create(
        building=building, level=level, defaults={"label": f"{level}F"}
    )
    return floor


def make_unit(carrier: Carrier | None = None, **fields: Any) -> Unit:
    floor = fields.pop("floor", None) or make_floor(carrier)
    n = next(_seq)
    defaults: dict[str, Any] = {
        "code": f"U{n}",
        "gross_area": Decimal("200.00"),
        "usable_area": Decimal("160.00"),
        "seats": 20,
        "list_rent": Decimal("45.00"),
        "in_service_from": dt.date(2020, 1, 1),
    }
    return Unit.objects.create(floor=floor, **{**defaults, **fields})


def make_tenant(**fields: Any) -> Tenant:
    n = next(_seq)
    defaults: dict[str, Any] = {
        "name": f"测试企业{n}有限公司",
        # 91 = enterprise, 320583 = Kunshan, then a 9-character organisation code.
        "uscc": make_uscc(f"91320583MA{n:07d}"),
    }
    return Tenant.objects.create(**{**defaults, **fields})

"""A floor with units in every status, each by a different rule of carriers/status.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carriers.models import Floor, Unit
from leasing.models import Allocation
from tests.factories import make_tenant, make_unit
from tests.leasing.workflow import days, make_lease


def make_every_status(floor: Floor, on: dt.date, now: dt.datetime, prefix: str = "") -> None:
    """Units on `floor` in every status on `on`, and the edge cases between them."""

    def unit(code: str, **fields: Any) -> Unit:
        return make_unit(floor=floor, code=f"{prefix}{code}", **fields)

    unit("planned", in_service_from=on + days(1))
    unit("retired", in_service_from=on - days(400), retired_on=on)
    unit("common", leasable=False)
    make_lease(unit("held"), on, on + days(30), state=Allocation.State.HELD)
    make_lease(unit("soon"), on - days(100), on + days(90))
    make_lease(unit("soon-past"), on - days(100), on + days(91))  # occupied
    make_lease(unit("open"), on - days(100), None)
    renewed = unit("renewed")
    make_lease(renewed, on - days(100), on + days(30))
    make_lease(renewed, on + days(30), on + days(400))  # continues it: occupied
    gap = unit("gap")
    make_lease(gap, on - days(100), on + days(30))
    make_lease(gap, on + days(31), on + days(400))  # a day's gap: available soon
    make_lease(unit("retiring", retired_on=on + days(30)), on - days(100), on + days(30))
    make_lease(unit("retiring-later", retired_on=on + days(60)), on - days(100), on + days(30))
    unit("not-ready", ready_on=on + days(1))
    unit("ready-today", ready_on=on)
    unit("vacant")
    make_lease(unit("past"), on - days(400), on)
    Allocation.objects.create(
        unit=unit("expired-hold"),
        tenant=make_tenant(),
        start=on - days(1),
        end=on + days(30),
        state=Allocation.State.HELD,
        hold_expires_at=now - days(1),
    )
    Allocation.objects.create(
        unit=unit("cancelled"), tenant=make_tenant(), start=on, end=None, state="cancelled"
    )
    not_ready_leased = unit("leased-not-ready", ready_on=on + days(10))
    make_lease(not_ready_leased, on - days(1), None)

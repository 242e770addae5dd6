"""A unit's derived status on a date as a WHERE condition, for filtering on it.

carriers/status.py works a status out per unit as one CASE over a LEFT JOIN
on the ledger: right for showing statuses and counting them, but to keep only
the units of one status the database would have to work out every unit's
status first (over 120,000 units, the search's slowest query). Here each
status is the same precedence written as a condition the planner can use: a
semi- or anti-join on the covering allocation, or plain column tests for the
statuses that never look at the ledger.

The two must agree: tests/carriers/test_search.py checks, for a unit in every
status, that `status_q(s)` keeps exactly the units `with_status()` labels s.
"""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce

from carriers.status import AVAILABLE_SOON_DAYS, UnitStatus, occupying_q


def _in_letting(on: dt.date) -> Q:
    """In service, not retired and for lease on the day: the ledger decides the rest."""
    return (
        Q(in_service_from__lte=on)
        & (Q(retired_on__isnull=True) | Q(retired_on__gt=on))
        & Q(leasable=True)
    )


def status_q(status: str, on: dt.date, now: dt.datetime) -> Q:
    """Units whose status on `on` is `status` (carriers.status precedence, first match wins)."""
    allocation = apps.get_model("leasing", "Allocation")
    held = allocation.State.HELD
    covering = allocation.objects.filter(
        occupying_q("", now),
        Q(end__isnull=True) | Q(end__gt=on),
        unit=OuterRef("pk"),
        start__lte=on,
    )
    soon_day = on + dt.timedelta(days=AVAILABLE_SOON_DAYS)
    # Only a lease ending within the 90 days can be continued here, so only
    # allocations starting then need looking at: the join stays small.
    continued = allocation.objects.filter(
        occupying_q("", now),
        unit=OuterRef("unit"),
        start=OuterRef("end"),
        start__gt=on,
        start__lte=soon_day,
    )
    # The lease covering the day ends within 90 days, nothing continues it and
    # the unit is not retiring then (an open end never comes free).
    coming_free = (
        Q(end__lte=soon_day)
        & ~Exists(continued)
        # The unit's own date, read from the outer row rather than joined in.
        & Q(end__lt=Coalesce(OuterRef("retired_on"), Value(dt.date.max)))
    )
    if status == UnitStatus.PLANNED:
        return Q(in_service_from__gt=on)
    if status == UnitStatus.RETIRED:
        return Q(in_service_from__lte=on, retired_on__lte=on)
    if status == UnitStatus.NOT_FOR_LEASE:
        return (
            Q(in_service_from__lte=on)
            & (Q(retired_on__isnull=True) | Q(retired_on__gt=on))
            & Q(leasable=False)
        )
    not_held = covering.exclude(state=held)
    soon = not_held.filter(coming_free)
    if status == UnitStatus.HELD:
        return _in_letting(on) & Exists(covering.filter(state=held))
    if status == UnitStatus.AVAILABLE_SOON:
        return _in_letting(on) & Exists(soon)
    if status == UnitStatus.OCCUPIED:
        # "Let, and not coming free": two plain (anti-)joins. Written as one
        # EXISTS with the 90-day test negated inside, the check for a renewal
        # ran once per lease instead of as a join.
        return _in_letting(on) & Exists(not_held) & ~Exists(soon)
    free = _in_letting(on) & ~Exists(covering)
    if status == UnitStatus.NOT_READY:
        return free & Q(ready_on__gt=on)
    if status == UnitStatus.VACANT:
        return free & (Q(ready_on__isnull=True) | Q(ready_on__lte=on))
    raise ValueError(f"no such unit status: {status!r}")

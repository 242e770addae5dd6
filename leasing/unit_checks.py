"""A unit's own dates and flags against the leases it carries.

The ledger is the truth: a unit retired before a lease ends, put into service
after a lease starts, or taken off the market under a current lease or offer
would contradict it. The admin's unit form and the bulk import both ask here,
so the two refuse the same changes with the same words; the import asks for
thousands of units at once, so the ledger is read in one query per chunk of
units, never one per unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from leasing.models import Allocation

# The fields of a unit checked here; a change names only those it makes.
CHECKED = ("retired_on", "in_service_from", "leasable")
CHUNK = 5000  # ids per IN (...): well inside SQLite's limit on query parameters


def occupying_leases(
    unit_ids: Iterable[int], *, now: dt.datetime | None = None
) -> dict[int, list[Allocation]]:
    """The allocations occupying each unit (not cancelled, no lapsed offer), by start."""
    now = now or timezone.now()
    ids = sorted(set(unit_ids))
    by_unit: dict[int, list[Allocation]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        for lease in (
            Allocation.objects.filter(unit_id__in=ids[i : i + CHUNK])
            .occupying(now=now)
            .only("pk", "unit_id", "start", "end", "state", "hold_expires_at")
            .order_by("unit_id", "start", "pk")
        ):
            by_unit[lease.unit_id].append(lease)
    return by_unit


def unit_change_objections(
    change: Mapping[str, Any], leases: Iterable[Allocation]
) -> dict[str, str]:
    """Why the unit cannot take these values, by field: {} if its leases allow them.

    `change` holds the fields (of CHECKED) being set and their new values;
    `leases` the unit's occupying allocations (as occupying_leases gives them).
    """
    leases = sorted(leases, key=lambda a: (a.start, a.pk or 0))
    objections: dict[str, str] = {}
    retired_on = change.get("retired_on")
    if retired_on is not None:
        late = next((a for a in leases if a.end is None or a.end > retired_on), None)
        if late is not None:
            objections["retired_on"] = _(
                "Lease #%(id)s runs %(period)s: retire the unit after it ends."
            ) % {"id": late.pk, "period": late.period_label}
    in_service_from = change.get("in_service_from")
    if in_service_from is not None:
        early = next((a for a in leases if a.start < in_service_from), None)
        if early is not None:
            objections["in_service_from"] = _(
                "Lease #%(id)s starts on %(start)s, before this date."
            ) % {"id": early.pk, "start": early.start.isoformat()}
    if change.get("leasable") is False:
        live = (Allocation.State.HELD, Allocation.State.ACTIVE)
        current = next((a for a in leases if a.state in live), None)
        if current is not None:
            objections["leasable"] = _(
                "Lease or offer #%(id)s (%(period)s) is current: end it before taking the "
                "unit off the market."
            ) % {"id": current.pk, "period": current.period_label}
    return objections


def units_change_objections(
    changes: Mapping[int, Mapping[str, Any]],
    *,
    now: dt.datetime | None = None,
    planned: Mapping[int, Allocation] | None = None,
) -> dict[int, dict[str, str]]:
    """unit_change_objections for many units (by id), reading their ledger in bulk.

    `planned`: allocations (by id) as a caller is about to rewrite them, checked
    in place of their stored selves (an import that ends a lease and retires its
    unit in the same file).
    """
    ledger = occupying_leases(changes, now=now)
    planned = planned or {}
    objections = {}
    for unit_id, change in changes.items():
        leases = [planned.get(a.pk, a) for a in ledger.get(unit_id, ())]
        found = unit_change_objections(change, leases)
        if found:
            objections[unit_id] = found
    return objections

"""Writing a plan: bulk statements inside the caller's transaction, the ledger's rules kept.

leasing.services.allocation_create is the one way to write the ledger row by
row: lock the unit, check, insert, record an event. An import of thousands of
leases does the same in bulk, inside one transaction opened by the service:

1. the units that leases are imported onto are locked (SELECT ... FOR UPDATE,
   in id order, as allocation_create locks one) before the plan reads the
   ledger, so no offer or lease can be written onto them meanwhile; on SQLite
   the transaction began with BEGIN IMMEDIATE and holds the write lock, and
   the plan's own overlap check (planning.py) is the whole guarantee;
2. planning.py refused every lease meeting another row or an allocation on
   file, naming it;
3. on PostgreSQL the exclusion constraint `allocation_no_overlap` remains the
   final guard: if it refuses the bulk insert, each lease is written again on
   its own to find the rows it refused, and those rows are reported.

Every imported lease gets its Event (who imported it, from which file), as
every other change of the ledger does.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from carriers.imports import columns as C
from carriers.imports.planning import LEASE_FIELDS, TENANT_FIELDS, UNIT_FIELDS, Plan
from carriers.imports.rows import CREATE, UPDATE, Row
from carriers.models import Building, Carrier, Floor, Unit
from leasing.models import Allocation, Event, Qualification, Tenant
from leasing.services import (
    AllocationConflict,
    _is_overlap_violation,
    find_conflict,
    release_expired_holds,
)

BATCH = 1000

MODELS: dict[str, tuple[type[Model], list[str]]] = {
    C.CARRIERS: (
        Carrier,
        ["name", "kind", "level", "operator", "address", "industry_focus", "opened_on"],
    ),
    C.BUILDINGS: (Building, ["name", "completed_on"]),
    C.FLOORS: (Floor, ["label"]),
    C.UNITS: (Unit, ["floor", *UNIT_FIELDS]),
    C.TENANTS: (Tenant, list(TENANT_FIELDS)),
    C.QUALIFICATIONS: (Qualification, ["issuer", "certificate_no", "valid_to"]),
    C.LEASES: (Allocation, ["end", "state", *LEASE_FIELDS]),
}


class ImportRefused(Exception):
    """The database refused rows at the last moment: the transaction must roll back."""


def _targets(rows: list[Row], action: str) -> list[Any]:
    return [row.target for row in rows if row.action == action]


def apply_plan(plan: Plan, *, note: str) -> None:
    """Write every planned row. Call inside transaction.atomic(), after make_plan."""
    for kind in (C.CARRIERS, C.BUILDINGS, C.FLOORS, C.UNITS, C.TENANTS, C.QUALIFICATIONS):
        model, fields = MODELS[kind]
        rows = plan.rows[kind]
        model.objects.bulk_create(_targets(rows, CREATE), batch_size=BATCH)
        model.objects.bulk_update(_targets(rows, UPDATE), fields, batch_size=BATCH)
    _write_leases(plan, note)
    # bulk_create and bulk_update send no signals: tell the dashboard's cache.
    from reports.cache import figures_changed  # reports reads carriers: imported late

    figures_changed()


def _write_leases(plan: Plan, note: str) -> None:
    rows = [row for row in plan.rows[C.LEASES] if row.action in (CREATE, UPDATE)]
    if not rows:
        return
    for unit_id in sorted(plan.expired_hold_units):
        release_expired_holds(plan.now, unit_id=unit_id, actor=_actor(plan))
    _, fields = MODELS[C.LEASES]
    creates, updates = _targets(rows, CREATE), _targets(rows, UPDATE)
    try:
        with transaction.atomic():  # a savepoint: after a refusal, find the rows refused
            Allocation.objects.bulk_create(creates, batch_size=BATCH)
            Allocation.objects.bulk_update(updates, fields, batch_size=BATCH)
    except IntegrityError as exc:
        if not _is_overlap_violation(exc):
            raise
        for allocation in creates:
            allocation.pk = None
        _report_refused(plan, rows)
        raise ImportRefused from exc
    Event.objects.bulk_create(
        [_event(plan, row, note) for row in rows],
        batch_size=BATCH,
    )


def _actor(plan: Plan) -> Any:
    user = plan.scope.user
    return user if user.is_authenticated else None


def _event(plan: Plan, row: Row, note: str) -> Event:
    allocation: Allocation = row.target
    from_state = "" if row.action == CREATE else plan.old_states.get(allocation.pk, "")
    if row.action == UPDATE:
        note = _("%(note)s Changed: %(fields)s.") % {"note": note, "fields": "、".join(row.changes)}
    return Event(
        at=plan.now,
        actor=_actor(plan),
        allocation=allocation,
        unit_id=allocation.unit_id,
        tenant_id=allocation.tenant_id,
        from_state=from_state,
        to_state=allocation.state,
        note=note,
    )


def _report_refused(plan: Plan, rows: list[Row]) -> None:
    """Write each lease on its own, in a savepoint, to name the ones the constraint refuses."""
    for row in rows:
        allocation: Allocation = row.target
        try:
            with transaction.atomic():
                allocation.save(force_insert=row.action == CREATE)
        except IntegrityError as exc:
            if not _is_overlap_violation(exc):
                raise
            conflict = find_conflict(
                allocation.unit_id,
                allocation.start,
                allocation.end,
                now=plan.now,
                exclude_id=allocation.pk if row.action == UPDATE else None,
            )
            if conflict is not None:
                row.refuse("start", " ".join(AllocationConflict(conflict).messages))
            else:
                row.refuse(
                    "start",
                    _("The unit is already allocated for these dates (refused by the database)."),
                )

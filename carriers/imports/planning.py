"""What each row would do to the database: create, update, leave alone, or be refused.

Works on the rows parsed by rows.py, kind by kind, parents first, so a unit
row finds its floor whether the floor is on file already or comes in the
same import. Reads what it needs in a few bulk queries per kind (never one
per row), checks the scope of the person importing, references, the ledger's
rules and overlaps (between rows of the file, and with the allocations on
file), and leaves on each row the model instance to write.

A district admin may import anything. A manager may import only rows of the
carriers they manage: a row of any other carrier (or one creating a carrier)
is refused with the same message whether that carrier exists or not, so the
refusal tells nothing about other carriers. Companies: a manager changes only
their own (leasing.access: a lease in or a request to their carriers) and
creates new ones; a registered company of anyone else is left as it is, and a
lease of theirs may name it only if the file's 企业 sheet has its row, so that
whether a code is registered makes no difference to how a lease row fares.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from carriers.imports import columns as C
from carriers.imports.rows import CREATE, REFUSED, UNCHANGED, UPDATE, Row
from carriers.imports.rules import check_planned
from carriers.models import Building, Carrier, Floor, Unit
from leasing.access import Role, Scope
from leasing.models import Allocation, Qualification, Tenant
from leasing.services import AllocationConflict, validate_allocation
from leasing.unit_checks import CHECKED, units_change_objections

ONE_DAY = dt.timedelta(days=1)
CHUNK = 5000  # ids per IN (...): well inside SQLite's limit on query parameters

# Values of optional columns left blank (or missing on a new row): the model's defaults.
BLANK: dict[str, dict[str, Any]] = {
    C.CARRIERS: {
        "level": Carrier.Level.NONE,
        "operator": "",
        "address": "",
        "industry_focus": "mixed",
        "opened_on": None,
    },
    C.BUILDINGS: {"completed_on": None},
    C.FLOORS: {},
    C.UNITS: {
        "kind": Unit.Kind.OFFICE,
        "seats": 0,
        "list_rent": 0,
        "leasable": True,
        "turnkey": False,
        "turnkey_package": "",
        "ready_on": None,
        "retired_on": None,
    },
    C.TENANTS: {
        "industry": "mixed",
        "founded_on": None,
        "employees": 0,
        "rd_staff": 0,
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "incubation_entered_on": None,
        "graduated_on": None,
        "moved_out_on": None,
    },
    C.QUALIFICATIONS: {"issuer": "", "certificate_no": "", "valid_until": None},
    C.LEASES: {
        "last_day": None,
        "contracted_rent": None,  # the unit's list rent
        "rent_free_months": 0,
        "deposit": 0,
        "signed_on": None,
        "counts_as_incubation": False,
        "note": "",
    },
}


@dataclass
class Plan:
    rows: dict[str, list[Row]]
    scope: Scope
    today: dt.date
    now: dt.datetime
    carriers: dict[str, Carrier] = field(default_factory=dict)
    buildings: dict[tuple[str, str], Building] = field(default_factory=dict)
    floors: dict[tuple[str, str, int], Floor] = field(default_factory=dict)
    units: dict[tuple[str, str], Unit] = field(default_factory=dict)
    tenants: dict[str, Tenant] = field(default_factory=dict)
    # Units whose expired holds lie in the way of an imported lease: released before writing.
    expired_hold_units: set[int] = field(default_factory=set)
    # Each updated lease's state before the import, for its event.
    old_states: dict[int, str] = field(default_factory=dict)
    # Units on file whose dates or flag the import changes (CHECKED fields), and their rows.
    unit_changes: dict[int, tuple[Row, dict[str, Any]]] = field(default_factory=dict)
    # Companies on file whose data this importer may change (worked out once).
    writable_tenants: set[int] = field(default_factory=set)
    # The codes of the companies the file's 企业 sheet has.
    file_usccs: set[str] = field(default_factory=set)

    @property
    def refused(self) -> bool:
        return any(row.errors for kind_rows in self.rows.values() for row in kind_rows)


def make_plan(
    rows: dict[str, list[Row]], *, scope: Scope, today: dt.date, now: dt.datetime
) -> Plan:
    plan = Plan(rows, scope, today, now)
    _plan_carriers(plan)
    _plan_buildings(plan)
    _plan_floors(plan)
    _plan_units(plan)
    _plan_tenants(plan)
    _plan_qualifications(plan)
    _plan_leases(plan)
    check_planned(rows)
    _check_units_against_ledger(plan)
    for kind_rows in rows.values():
        for row in kind_rows:
            if row.errors:
                row.action = REFUSED
    return plan


# --- helpers --------------------------------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    values = list(values)
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _fill(row: Row, instance: Model, fields: dict[str, str], *, adding: bool) -> None:
    """Set the row's values on the instance: every field when adding; on an update only
    the columns the file has, noting which of them change. `fields`: column key -> attribute."""
    blank = BLANK[row.kind]
    for key, attribute in fields.items():
        if not adding and not row.has(key):
            continue  # a column left out of the file leaves the field as it is
        value = row.values.get(key)
        if value is None:
            value = blank.get(key)
        if adding:
            setattr(instance, attribute, value)
        elif getattr(instance, attribute) != value:
            setattr(instance, attribute, value)
            row.changes.append(row.headers.get(key, key))
    row.target = instance
    if adding:
        row.action = CREATE
    else:
        row.action = UPDATE if row.changes else UNCHANGED


def _in_scope_carrier(plan: Plan, row: Row) -> Carrier | None:
    """The row's carrier if the importer may write to it, else refuse the row."""
    code = row.values.get("carrier")
    if code is None:
        return None
    carrier = plan.carriers.get(code)
    if plan.scope.role != Role.ADMIN:
        if carrier is None or carrier.pk is None or not plan.scope.manages(carrier.pk):
            row.refuse(
                "carrier",
                _("Carrier %(code)s is not one of the carriers you manage.") % {"code": code},
            )
            return None
        return carrier
    if carrier is None:
        row.refuse(
            "carrier",
            _("Unknown carrier %(code)s: add it to the sheet 载体 or correct the code.")
            % {"code": code},
        )
    return carrier


def _usable(row: Row, *keys: str) -> bool:
    """Whether the row's key values parsed, so it can be looked up and planned."""
    return all(row.values.get(k) is not None for k in keys)


# --- space ----------------------------------------------------------------------------


def _referenced_carrier_codes(plan: Plan) -> set[str]:
    return {
        row.values["carrier"]
        for kind in (C.CARRIERS, C.BUILDINGS, C.FLOORS, C.UNITS, C.LEASES)
        for row in plan.rows[kind]
        if row.values.get("carrier")
    }


def _plan_carriers(plan: Plan) -> None:
    codes = _referenced_carrier_codes(plan)
    for chunk in _chunks(codes):
        plan.carriers.update({c.code: c for c in Carrier.objects.filter(code__in=chunk)})
    rows = plan.rows[C.CARRIERS]
    names = {row.values["name"] for row in rows if row.values.get("name")}
    name_owner = dict(Carrier.objects.filter(name__in=names).values_list("name", "code"))
    fields = {k: k for k in ("name", "kind", "level", "operator", "address", "industry_focus")}
    fields["opened_on"] = "opened_on"
    for row in rows:
        if not _usable(row, "carrier"):
            continue
        code = row.values["carrier"]
        existing = plan.carriers.get(code)
        if plan.scope.role != Role.ADMIN and (
            existing is None or not plan.scope.manages(existing.pk)
        ):
            row.refuse(
                "carrier",
                _("Carrier %(code)s is not one of the carriers you manage.") % {"code": code},
            )
            continue
        name = row.values.get("name")
        if name and name_owner.get(name, code) != code:
            if plan.scope.role == Role.ADMIN:
                message = _("Another carrier (%(code)s) already has this name.") % {
                    "code": name_owner[name]
                }
            else:
                message = _("Another carrier already has this name.")  # names no one else's
            row.refuse("name", message)
        if name:
            name_owner[name] = code  # a second row of the file with this name clashes too
        # Planned even when refused, so that its buildings are not refused as well.
        instance = existing or Carrier(code=code)
        _fill(row, instance, fields, adding=existing is None)
        plan.carriers[code] = instance


def _plan_buildings(plan: Plan) -> None:
    existing = {
        (b.carrier.code, b.code): b
        for b in Building.objects.filter(carrier__code__in=list(plan.carriers)).select_related(
            "carrier"
        )
    }
    plan.buildings.update(existing)
    for row in plan.rows[C.BUILDINGS]:
        if not _usable(row, "carrier", "building"):
            continue
        carrier = _in_scope_carrier(plan, row)
        if carrier is None:
            continue
        key = (row.values["carrier"], row.values["building"])
        instance = existing.get(key)
        if instance is None:
            instance = Building(carrier=carrier, code=key[1])
        _fill(
            row, instance, {"name": "name", "completed_on": "completed_on"}, adding=not instance.pk
        )
        plan.buildings[key] = instance


def _floor_label(level: int) -> str:
    return f"B{-level}" if level < 0 else f"{level}F"


def _plan_floors(plan: Plan) -> None:
    existing = {
        (f.building.carrier.code, f.building.code, f.level): f
        for f in Floor.objects.filter(
            building__carrier__code__in=list(plan.carriers)
        ).select_related("building__carrier")
    }
    plan.floors.update(existing)
    for row in plan.rows[C.FLOORS]:
        if not _usable(row, "carrier", "building", "level"):
            continue
        if _in_scope_carrier(plan, row) is None:
            continue
        code, building_code, level = (
            row.values["carrier"],
            row.values["building"],
            row.values["level"],
        )
        building = plan.buildings.get((code, building_code))
        if building is None:
            row.refuse(
                "building",
                _("Unknown building %(building)s of carrier %(carrier)s: add it to the sheet 楼栋.")
                % {"building": building_code, "carrier": code},
            )
            continue
        if row.values.get("label") is None:
            row.values["label"] = _floor_label(level)
        instance = existing.get((code, building_code, level))
        if instance is None:
            instance = Floor(building=building, level=level)
        _fill(row, instance, {"label": "label"}, adding=not instance.pk)
        plan.floors[(code, building_code, level)] = instance


UNIT_FIELDS = {
    k: k
    for k in (
        "kind",
        "gross_area",
        "usable_area",
        "seats",
        "list_rent",
        "leasable",
        "turnkey",
        "turnkey_package",
        "ready_on",
        "in_service_from",
        "retired_on",
    )
}


def _plan_units(plan: Plan) -> None:
    codes = [c for c, carrier in plan.carriers.items() if carrier.pk]
    existing: dict[tuple[str, str], Unit] = {}
    for chunk in _chunks(codes):
        for unit in Unit.objects.filter(carrier__code__in=chunk).select_related(
            "carrier", "floor__building"
        ):
            existing[(unit.carrier.code, unit.code)] = unit
    plan.units.update(existing)
    for row in plan.rows[C.UNITS]:
        if not _usable(row, "carrier", "building", "level", "unit"):
            continue
        carrier = _in_scope_carrier(plan, row)
        if carrier is None:
            continue
        code, building_code, level = (
            row.values["carrier"],
            row.values["building"],
            row.values["level"],
        )
        floor = plan.floors.get((code, building_code, level))
        if floor is None:
            row.refuse(
                "level",
                _(
                    "Unknown floor %(level)s of building %(building)s of carrier %(carrier)s: "
                    "add it to the sheet 楼层."
                )
                % {"level": level, "building": building_code, "carrier": code},
            )
            continue
        key = (code, row.values["unit"])
        instance = existing.get(key)
        adding = instance is None
        if adding:
            # bulk_create skips Unit.save(), which derives the carrier from the floor.
            instance = Unit(carrier=carrier, floor=floor, code=key[1])
        elif instance.floor_id != floor.pk or floor.pk is None:
            instance.floor = floor
            row.changes.append(row.headers["level"])
        before = {name: getattr(instance, name) for name in CHECKED}
        _fill(row, instance, UNIT_FIELDS, adding=adding)
        changed = {n: getattr(instance, n) for n in CHECKED if getattr(instance, n) != before[n]}
        if not adding and changed:
            plan.unit_changes[instance.pk] = (row, changed)
        plan.units[key] = instance


def _check_units_against_ledger(plan: Plan) -> None:
    """A unit's new dates and flag against its leases (leasing.unit_checks, as the admin).

    Checked once every row is planned, against the leases as the import leaves them:
    a file that ends a lease sooner and retires its unit then is consistent.
    """
    changes = {pk: change for pk, (row, change) in plan.unit_changes.items() if not row.errors}
    if not changes:
        return
    planned = {
        row.target.pk: row.target
        for row in plan.rows[C.LEASES]
        if row.target is not None and row.target.pk and not row.errors
    }
    objections = units_change_objections(changes, now=plan.now, planned=planned)
    for pk, found in objections.items():
        row = plan.unit_changes[pk][0]
        for name, message in found.items():
            row.refuse(name, message)


# --- companies ------------------------------------------------------------------------


TENANT_FIELDS = {
    k: k
    for k in (
        "name",
        "industry",
        "founded_on",
        "employees",
        "rd_staff",
        "contact_name",
        "contact_phone",
        "contact_email",
        "incubation_entered_on",
        "graduated_on",
        "moved_out_on",
    )
}


def _plan_tenants(plan: Plan) -> None:
    usccs = {
        row.values["uscc"]
        for kind in (C.TENANTS, C.QUALIFICATIONS, C.LEASES)
        for row in plan.rows[kind]
        if row.values.get("uscc")
    }
    for chunk in _chunks(usccs):
        plan.tenants.update({t.uscc: t for t in Tenant.objects.filter(uscc__in=chunk)})
    plan.writable_tenants = writable = _writable_tenant_ids(plan)
    plan.file_usccs = {r.values["uscc"] for r in plan.rows[C.TENANTS] if r.values.get("uscc")}
    for row in plan.rows[C.TENANTS]:
        if not _usable(row, "uscc"):
            continue
        instance = plan.tenants.get(row.values["uscc"])
        if instance is not None and instance.pk not in writable:
            # A company registered already, and not this manager's: it stays as its
            # own managers (or the company itself) keep it. Its leases may still be
            # imported: letting a unit to a registered company is a manager's job.
            row.action = UNCHANGED
            continue
        instance = instance or Tenant(uscc=row.values["uscc"])
        _fill(row, instance, TENANT_FIELDS, adding=instance.pk is None)
        plan.tenants[instance.uscc] = instance


def _writable_tenant_ids(plan: Plan) -> set[int]:
    """Companies on file this importer may change: all (admin), or a manager's own as
    leasing.access defines them. A lease row naming a company gives no right to its data:
    the file is not yet the ledger, and its lease rows are not checked until later."""
    known = {t.pk for t in plan.tenants.values() if t.pk}
    if plan.scope.role == Role.ADMIN:
        return known
    ids: set[int] = set()
    for chunk in _chunks(known):
        ids.update(plan.scope.tenants().filter(pk__in=chunk).values_list("pk", flat=True))
    return ids


def _tenant_for(plan: Plan, row: Row) -> Tenant | None:
    """The company a qualification or lease row names, if this importer may name it.

    An admin: any company on file or in the file. A manager: their own, and new ones
    of the file; a lease (not a qualification) also a registered company whose row the
    file's 企业 sheet has. Anything else is refused with the same words whether the code
    is registered or not, so a manager learns nothing of other carriers' companies.
    """
    uscc = row.values.get("uscc")
    if uscc is None:
        return None
    tenant = plan.tenants.get(uscc)
    if plan.scope.role == Role.ADMIN:
        if tenant is None:
            row.refuse("uscc", _("No company with this code: add it to the sheet 企业."))
        return tenant
    own = tenant is not None and (tenant.pk is None or tenant.pk in plan.writable_tenants)
    if row.kind == C.QUALIFICATIONS and not own:
        row.refuse(
            "uscc",
            _(
                "Qualifications can be imported only for your companies (a lease in or a "
                "request to your carriers) and for new companies in the sheet 企业."
            ),
        )
        return None
    if row.kind == C.LEASES and not (own or (tenant is not None and uscc in plan.file_usccs)):
        row.refuse(
            "uscc",
            _(
                "No company with this code among yours or in the sheet 企业: add the "
                "company's row to the sheet 企业."
            ),
        )
        return None
    return tenant


def _plan_qualifications(plan: Plan) -> None:
    rows = plan.rows[C.QUALIFICATIONS]
    ids = {t.pk for t in plan.tenants.values() if t.pk}
    existing: dict[tuple[str, str, dt.date], Qualification] = {}
    for chunk in _chunks(ids):
        for q in Qualification.objects.filter(tenant_id__in=chunk).select_related("tenant"):
            existing[(q.tenant.uscc, q.kind, q.valid_from)] = q
    for row in rows:
        if not _usable(row, "uscc", "kind", "valid_from"):
            continue
        tenant = _tenant_for(plan, row)
        if tenant is None:
            continue
        instance = existing.get(row.natural_key)
        if instance is None:
            instance = Qualification(tenant=tenant, kind=row.values["kind"])
            instance.valid_from = row.values["valid_from"]
        until = row.values.get("valid_until")
        # The sheet gives the last day valid, as certificates print it; the model's
        # end is exclusive.
        row.values["valid_to"] = until + ONE_DAY if until else None
        if row.has("valid_until"):
            row.headers["valid_to"] = row.headers["valid_until"]
        _fill(
            row,
            instance,
            {"issuer": "issuer", "certificate_no": "certificate_no", "valid_to": "valid_to"},
            adding=instance.pk is None,
        )


# --- leases ---------------------------------------------------------------------------


@dataclass
class _Span:
    start: dt.date
    end: dt.date | None
    row: Row | None = None  # a row of the file
    allocation: Allocation | None = None  # or an allocation on file

    def meets(self, other: _Span) -> bool:
        return (self.end is None or other.start < self.end) and (
            other.end is None or self.start < other.end
        )


LEASE_FIELDS = {
    "contracted_rent": "contracted_rent",
    "rent_free_months": "rent_free_months",
    "deposit": "deposit",
    "signed_on": "signed_on",
    "counts_as_incubation": "counts_as_incubation",
    "note": "note",
}
ERROR_COLUMNS = {"start": "start", "end": "last_day", "unit": "unit", "state": "last_day"}


def _ledger(plan: Plan, unit_ids: set[int]) -> dict[int, list[Allocation]]:
    """Every allocation on file of these units that is not cancelled."""
    by_unit: dict[int, list[Allocation]] = defaultdict(list)
    for chunk in _chunks(unit_ids):
        for allocation in (
            Allocation.objects.filter(unit_id__in=chunk)
            .exclude(state=Allocation.State.CANCELLED)
            .select_related("tenant")
        ):
            by_unit[allocation.unit_id].append(allocation)
    return by_unit


def _plan_leases(plan: Plan) -> None:
    rows = plan.rows[C.LEASES]
    if not rows:
        return
    planned: list[tuple[Row, Unit]] = []
    for row in rows:
        if not _usable(row, "carrier", "unit", "start"):
            continue
        if _in_scope_carrier(plan, row) is None:
            continue
        unit = plan.units.get((row.values["carrier"], row.values["unit"]))
        if unit is None:
            row.refuse(
                "unit",
                _("Unknown unit %(unit)s of carrier %(carrier)s: add it to the sheet 单元.")
                % {"unit": row.values["unit"], "carrier": row.values["carrier"]},
            )
        tenant = _tenant_for(plan, row)
        if unit is None or tenant is None:
            continue
        last_day = row.values.get("last_day")
        row.values["end"] = last_day + ONE_DAY if last_day else None
        row.values["tenant"] = tenant
        planned.append((row, unit))
    ledger = _ledger(plan, {unit.pk for _row, unit in planned if unit.pk})
    spans: dict[int, list[_Span]] = defaultdict(list)  # by id(unit): new units have no pk
    units: dict[int, Unit] = {}
    matched: set[int] = set()
    for row, unit in planned:
        same = next(
            (
                a
                for a in ledger.get(unit.pk, ())
                if a.start == row.values["start"]
                and a.state in (Allocation.State.ACTIVE, Allocation.State.ENDED)
            ),
            None,
        )
        if same is not None:
            matched.add(same.pk)
            if same.tenant_id != row.values["tenant"].pk:
                row.refuse(
                    "uscc",
                    _(
                        "Lease #%(lease)s of this unit from this date is with %(tenant)s: an "
                        "import cannot give it to another company. End that lease first."
                    )
                    % {"lease": same.pk, "tenant": same.tenant.name},
                )
            _refuse_reopening(plan, row, same)
            if not row.has("last_day"):
                row.values["end"] = same.end  # the file leaves the lease's end as it is
        _check_rules(plan, row, unit)
        spans[id(unit)].append(_Span(row.values["start"], row.values["end"], row=row))
        units[id(unit)] = unit
        if not row.errors:
            _fill_lease(plan, row, unit, same)
    # Each unit's ledger once, against every lease row of that unit.
    for key, unit in units.items():
        rows_of_unit = list(spans[key])
        for allocation in ledger.get(unit.pk, ()) if unit.pk else ():
            if allocation.pk in matched:
                continue
            allocation.unit = unit  # for the message naming it
            span = _Span(allocation.start, allocation.end, allocation=allocation)
            if allocation.state == Allocation.State.HELD and allocation.hold_expires_at <= plan.now:
                # An expired hold holds nothing, but the exclusion constraint still
                # counts it until it is cancelled: released before writing.
                if any(span.meets(row_span) for row_span in rows_of_unit):
                    plan.expired_hold_units.add(unit.pk)
                continue
            spans[key].append(span)
    for unit_spans in spans.values():
        _refuse_overlaps(unit_spans)


def _refuse_reopening(plan: Plan, row: Row, lease: Allocation) -> None:
    """An old spreadsheet must not undo an ending recorded in Zaiti.

    A lease ended in Zaiti (its last day passed, or it was terminated early)
    stays ended: a row giving it a later last day is refused, not applied, for
    nothing in the file tells a correction from a stale copy. Reopening a lease
    is done in Zaiti itself.
    """
    if lease.state != Allocation.State.ENDED or not row.has("last_day"):
        return
    end = row.values["end"]
    if end is not None and end <= lease.end:
        return
    values = {
        "id": lease.pk,
        "ended": (lease.end - ONE_DAY).isoformat(),
        "until": row.values["last_day"].isoformat() if end else _("open-ended"),
    }
    if end is None or end > plan.today:
        message = _(
            "Lease #%(id)s was ended in Zaiti (last day %(ended)s); this row would make it "
            "active again until %(until)s. An import does not reopen an ended lease: correct "
            "the row, or renew the lease in Zaiti."
        )
    else:
        message = _(
            "Lease #%(id)s was ended in Zaiti (last day %(ended)s); this row would move its "
            "last day to %(until)s. An import does not extend an ended lease: correct the "
            "row, or change the lease in Zaiti."
        )
    row.refuse("last_day", message % values)


def _check_rules(plan: Plan, row: Row, unit: Unit) -> None:
    """The ledger's rules for one allocation (leasing.services), as row errors."""
    end = row.values["end"]
    state = Allocation.State.ENDED if end and end <= plan.today else Allocation.State.ACTIVE
    row.values["state"] = state
    if unit.in_service_from is None or row.errors:
        return  # the unit's row, or this one, is refused already: nothing more to add
    try:
        validate_allocation(
            unit,
            start=row.values["start"],
            end=end,
            state=state,
            hold_expires_at=None,
            now=plan.now,
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                row.refuse(ERROR_COLUMNS.get(name, "start"), message)


def _fill_lease(plan: Plan, row: Row, unit: Unit, same: Allocation | None) -> None:
    if same is None:
        instance = Allocation(
            unit=unit,
            tenant=row.values["tenant"],
            start=row.values["start"],
            created_by=plan.scope.user if plan.scope.user.is_authenticated else None,
            created_at=plan.now,
        )
    else:
        instance = same
        plan.old_states[same.pk] = same.state
    if row.values.get("contracted_rent") is None and (same is None or row.has("contracted_rent")):
        row.values["contracted_rent"] = unit.list_rent
    fields = dict(LEASE_FIELDS)
    if same is None or row.has("last_day"):
        # The state follows the end: a lease whose last day has passed is ended.
        fields.update(end="end", state="state")
    if row.has("last_day"):
        row.headers["end"] = row.headers["state"] = row.headers["last_day"]
    _fill(row, instance, fields, adding=same is None)


def _refuse_overlaps(spans: list[_Span]) -> None:
    spans.sort(key=lambda s: s.start)
    for i, span in enumerate(spans):
        if span.row is None:
            continue
        for other in spans[:i] + spans[i + 1 :]:
            if other.start >= (span.end or dt.date.max) and other.start > span.start:
                break
            if not span.meets(other):
                continue
            if other.row is not None:
                span.row.refuse(
                    "start",
                    _(
                        "Overlaps the lease in row %(row)s of sheet %(sheet)s on the same unit "
                        "(from %(start)s)."
                    )
                    % {
                        "row": other.row.number,
                        "sheet": f"「{other.row.sheet}」",
                        "start": other.start.isoformat(),
                    },
                )
            else:
                span.row.refuse("start", " ".join(AllocationConflict(other.allocation).messages))
            break

"""Write the demo zone: carrier by carrier, in bulk, skipping what is already there.

Idempotence: a carrier whose code (or name) exists is skipped with all its
space and leases; tenants are keyed by USCC, so one already present is
reused rather than duplicated. Each carrier is written in its own
transaction, so an interrupted run leaves whole carriers and a rerun
completes the rest.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from carriers.demo.plan import CarrierPlan, ZonePlanner
from carriers.demo.roster import CarrierSpec, carrier_count, carrier_roster
from carriers.models import Building, Carrier, Floor, Unit
from leasing.models import Allocation, Qualification, SpaceRequest, Tenant

UNITS_AT_SCALE_1 = 12_000  # DESIGN.md §2: the zone's real size
BATCH_SIZE = 2000


@dataclass
class SeedResult:
    already_loaded: bool = False
    added: Counter[str] = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)  # codes already present
    seconds: float = 0.0


def unit_counts(roster: list[CarrierSpec], target: int) -> list[int]:
    """Spread the zone's units over its carriers by their relative size."""
    factor = target / sum(spec.weight for spec in roster)
    return [max(10, round(spec.weight * factor)) for spec in roster]


def present_codes(roster: list[CarrierSpec]) -> set[str]:
    """Roster codes already loaded: by code, or by a carrier of the same name."""
    rows = Carrier.objects.filter(
        Q(code__in=[s.code for s in roster]) | Q(name__in=[s.name for s in roster])
    ).values_list("code", "name")
    codes = {code for code, _name in rows}
    names = {name for _code, name in rows}
    return {s.code for s in roster if s.code in codes or s.name in names}


def _quiet(line: str) -> None:
    pass


def seed_demo_zone(
    *,
    scale: float,
    seed: int,
    today: dt.date,
    progress: Callable[[str], None] = _quiet,
    batch_size: int = BATCH_SIZE,
) -> SeedResult:
    """Load the demo zone for (scale, seed), dated relative to `today`.

    Deterministic: the same arguments on an empty database give the same rows
    (primary keys aside). Idempotent: carriers already present are skipped.
    """
    started = time.monotonic()
    result = SeedResult()
    roster = carrier_roster(seed=seed, count=carrier_count(scale))
    present = present_codes(roster)
    result.skipped = [s.code for s in roster if s.code in present]
    if len(present) == len(roster):
        result.already_loaded = True
        result.seconds = time.monotonic() - started
        return result
    sizes = unit_counts(roster, round(UNITS_AT_SCALE_1 * scale))
    planner = ZonePlanner(seed=seed, today=today)
    carrier_ids = dict(
        Carrier.objects.filter(code__in=[s.code for s in roster]).values_list("code", "pk")
    )
    every = max(1, len(roster) // 20)  # about twenty progress lines whatever the scale
    for position, (spec, n_units) in enumerate(zip(roster, sizes, strict=True), start=1):
        # Skipped carriers are planned all the same: the names and USCCs they draw
        # must stay taken, or the carriers after them would come out different.
        plan = planner.plan(spec, n_units, others=[s.code for s in roster[: spec.index]])
        if spec.code in present:
            continue
        with transaction.atomic():
            added = write_plan(plan, carrier_ids, batch_size)
        carrier_ids[spec.code] = plan.carrier.pk
        result.added.update(added)
        if position % every == 0 or position == len(roster) or position <= 5:
            progress(_progress_line(position, len(roster), spec, added, started))
    result.seconds = time.monotonic() - started
    return result


def _progress_line(
    position: int, total: int, spec: CarrierSpec, added: Counter[str], started: float
) -> str:
    counts = _("%(units)d units, %(leases)d leases, %(tenants)d new tenants") % {
        "units": added["units"],
        "leases": added["allocations"],
        "tenants": added["tenants"],
    }
    elapsed = time.monotonic() - started
    return f"[{position}/{total}] {spec.code} {spec.name}: {counts} ({elapsed:.1f}s)"


def write_plan(plan: CarrierPlan, carrier_ids: dict[str, int], batch_size: int) -> Counter[str]:
    """Insert one carrier's plan; parents first, so bulk_create can fill in the foreign keys."""
    inv = plan.inventory
    plan.carrier.save(force_insert=True)
    Building.objects.bulk_create(inv.buildings, batch_size=batch_size)
    Floor.objects.bulk_create(inv.floors, batch_size=batch_size)
    # bulk_create skips Unit.save(), which would derive carrier from the floor:
    # the planner set Unit.carrier itself.
    Unit.objects.bulk_create(inv.units, batch_size=batch_size)
    new_tenants = _reuse_known_tenants(plan.tenants)
    Tenant.objects.bulk_create(new_tenants, batch_size=batch_size)
    new_ids = {id(t) for t in new_tenants}
    # Qualifications of a company already on file are left as they are.
    quals = [q for q in plan.qualifications if id(q.tenant) in new_ids]
    Qualification.objects.bulk_create(quals, batch_size=batch_size)
    SpaceRequest.objects.bulk_create(plan.filled_requests, batch_size=batch_size)
    Allocation.objects.bulk_create(plan.allocations, batch_size=batch_size)
    requests = [p.request for p in plan.requests]
    SpaceRequest.objects.bulk_create(requests, batch_size=batch_size)
    through = SpaceRequest.preferred_carriers.through
    ids = {**carrier_ids, plan.carrier.code: plan.carrier.pk}
    # A preferred carrier missing here (skipped for a clashing name) is left out.
    links = [
        through(spacerequest_id=p.request.pk, carrier_id=ids[code])
        for p in plan.requests
        for code in p.preferred
        if code in ids
    ]
    through.objects.bulk_create(links, batch_size=batch_size)
    return Counter(
        carriers=1,
        buildings=len(inv.buildings),
        floors=len(inv.floors),
        units=len(inv.units),
        tenants=len(new_tenants),
        qualifications=len(quals),
        allocations=len(plan.allocations),
        requests=len(requests) + len(plan.filled_requests),
    )


def _reuse_known_tenants(tenants: list[Tenant]) -> list[Tenant]:
    """Point planned tenants whose USCC is already on file at that row; return the rest."""
    known = dict(
        Tenant.objects.filter(uscc__in=[t.uscc for t in tenants]).values_list("uscc", "pk")
    )
    fresh = []
    for tenant in tenants:
        if tenant.uscc in known:
            tenant.pk = known[tenant.uscc]
            tenant._state.adding = False
        else:
            fresh.append(tenant)
    return fresh


def zone_totals() -> dict[str, int | Decimal]:
    """What the database holds now (not only what this run added)."""
    return {
        "carriers": Carrier.objects.count(),
        "units": Unit.objects.count(),
        "gross_area": Unit.objects.aggregate(total=Sum("gross_area"))["total"] or Decimal(0),
        "tenants": Tenant.objects.count(),
        "qualifications": Qualification.objects.count(),
        "allocations": Allocation.objects.count(),
        "open_requests": SpaceRequest.objects.filter(status=SpaceRequest.Status.SUBMITTED).count(),
    }

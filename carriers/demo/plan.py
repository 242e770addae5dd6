"""One carrier's complete plan: space, ledger, tenants, qualifications, requests.

Every draw for a carrier comes from its own rng, seeded by (seed, carrier
code); only the zone-wide Registry (names and USCCs handed out) links one
carrier to the next, so carriers are planned in roster order.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from carriers.demo.companies import CompanyMaker, Registry
from carriers.demo.dates import days, office_hours
from carriers.demo.inventory import Inventory, InventoryBuilder
from carriers.demo.ledger import Lease, LedgerBuilder
from carriers.demo.qualifications import QualificationMaker, draw_tier
from carriers.demo.roster import CarrierSpec
from carriers.demo.space_requests import PlannedRequest, RequestMaker, filled_request
from carriers.models import Carrier
from leasing.models import Allocation, Qualification, SpaceRequest, Tenant

CENT = Decimal("0.01")
UNITS_PER_REQUEST = 40  # open requests in the queue, per unit of the carrier
DEPOSIT_MONTHS = 2


@dataclass
class CarrierPlan:
    carrier: Carrier
    inventory: Inventory
    tenants: list[Tenant]
    qualifications: list[Qualification]
    allocations: list[Allocation]
    requests: list[PlannedRequest]
    # Requests already answered by a letting in `allocations` (written before them).
    filled_requests: list[SpaceRequest]


class ZonePlanner:
    def __init__(self, *, seed: int, today: dt.date):
        self.seed = seed
        self.today = today
        self.registry = Registry()

    def plan(self, spec: CarrierSpec, n_units: int, others: list[str]) -> CarrierPlan:
        """Plan a carrier of about `n_units` units; `others` are codes it may be compared to."""
        rng = random.Random(f"zaiti-demo/{self.seed}/{spec.code}")
        carrier = Carrier(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            level=spec.level,
            operator=spec.operator,
            address=spec.address,
            industry_focus=spec.industry,
            opened_on=self.today - days(spec.opened_days_ago),
        )
        builder = InventoryBuilder(rng, spec, carrier, self.today)
        inventory = builder.build(n_units)
        ledger = LedgerBuilder(rng, spec, self.today)
        leases = [lease for unit in inventory.units for lease in ledger.unit_ledger(unit)]
        companies = CompanyMaker(rng, spec, self.registry, self.today)
        tenants = self._housed(companies, leases)
        allocations = [self._allocation(rng, x, tenants[x.slot]) for x in leases]
        now_housed = self._housed_today(leases, tenants)
        kinds = (builder.mix_kinds, builder.mix_weights)
        requests, prospects = RequestMaker(rng, spec, self.today, companies, kinds).requests(
            max(1, round(len(inventory.units) / UNITS_PER_REQUEST)), now_housed, others
        )
        everyone = [*tenants.values(), *prospects]
        quals = QualificationMaker(rng, self.today)
        qualifications = [q for t in everyone for q in quals.records(t, draw_tier(rng, spec.kind))]
        # Its own rng, so the history adds requests without changing any other draw.
        history = random.Random(f"zaiti-demo/{self.seed}/{spec.code}/filled")
        filled = self._filled(history, leases, allocations)
        return CarrierPlan(
            carrier, inventory, everyone, qualifications, allocations, requests, filled
        )

    def _filled(
        self, rng: random.Random, leases: list[Lease], allocations: list[Allocation]
    ) -> list[SpaceRequest]:
        """Link most new lettings of the last two years to the request they answered."""
        ends = {(x.unit.code, x.slot, x.end) for x in leases}
        since = self.today - days(730)
        filled = []
        for lease, allocation in zip(leases, allocations, strict=True):
            signed = lease.state in (Allocation.State.ACTIVE, Allocation.State.ENDED)
            renewal = (lease.unit.code, lease.slot, lease.start) in ends
            if not signed or renewal or not since <= lease.start <= self.today:
                continue
            if rng.random() < 0.7:
                request, offered = filled_request(rng, lease, allocation.tenant)
                allocation.request = request
                allocation.created_at = office_hours(rng, offered)
                filled.append(request)
        return filled

    def _housed(self, companies: CompanyMaker, leases: list[Lease]) -> dict[int, Tenant]:
        by_slot: dict[int, list[Lease]] = {}
        for lease in leases:
            by_slot.setdefault(lease.slot, []).append(lease)
        return {
            slot: companies.housed(sorted(by_slot[slot], key=lambda x: (x.start, x.unit.code)))
            for slot in sorted(by_slot)
        }

    def _housed_today(self, leases: list[Lease], tenants: dict[int, Tenant]) -> list[Tenant]:
        slots = sorted(
            {
                x.slot
                for x in leases
                if x.state == Allocation.State.ACTIVE
                and x.start <= self.today
                and (x.end is None or x.end > self.today)
            }
        )
        return [tenants[slot] for slot in slots]

    def _allocation(self, rng: random.Random, lease: Lease, tenant: Tenant) -> Allocation:
        recorded = lease.signed_on or self.today
        return Allocation(
            unit=lease.unit,
            tenant=tenant,
            start=lease.start,
            end=lease.end,
            state=lease.state,
            hold_expires_at=lease.hold_expires_at,
            contracted_rent=lease.rent,
            rent_free_months=lease.rent_free_months,
            deposit=(lease.rent * lease.unit.gross_area * DEPOSIT_MONTHS).quantize(CENT),
            signed_on=lease.signed_on,
            moved_in_on=lease.moved_in_on,
            moved_out_on=lease.moved_out_on,
            counts_as_incubation=tenant.in_incubation_on(lease.start),
            note=lease.note,
            created_at=office_hours(rng, recorded),
        )

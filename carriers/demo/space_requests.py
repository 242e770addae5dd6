"""Open space requests (用房申请): turnkey and tailored, from newcomers and growing tenants."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from carriers.demo.companies import CompanyMaker
from carriers.demo.dates import days, office_hours
from carriers.demo.inventory import RENTS, SIZES, TURNKEY_KINDS
from carriers.demo.ledger import Lease
from carriers.demo.roster import CarrierSpec
from carriers.demo.vocab import CLEANROOM_CLASSES, NETWORKS, TAILORED_NOTES, TURNKEY_NOTES
from carriers.models import Unit
from leasing.models import SpaceRequest, Tenant

U = Unit.Kind
F = SpaceRequest.FitOut
POWERED = {U.WORKSHOP: (100, 1000), U.CLEANROOM: (200, 1200), U.LAB: (50, 300)}
HEAVY = frozenset({U.WORKSHOP, U.WAREHOUSE})


@dataclass
class PlannedRequest:
    request: SpaceRequest
    preferred: list[str]  # carrier codes, resolved to rows when written


class RequestMaker:
    def __init__(
        self,
        rng: random.Random,
        spec: CarrierSpec,
        today: dt.date,
        companies: CompanyMaker,
        kinds: tuple[list[str], list[float]],
    ):
        self.rng = rng
        self.spec = spec
        self.today = today
        self.companies = companies
        self.kinds = kinds

    def requests(
        self, count: int, housed: list[Tenant], others: list[str]
    ) -> tuple[list[PlannedRequest], list[Tenant]]:
        """`count` open requests, and the new companies (prospects) that made some of them."""
        planned: list[PlannedRequest] = []
        prospects: list[Tenant] = []
        for _ in range(count):
            day = self.today - days(self.rng.randint(1, 45))
            if housed and self.rng.random() < 0.3:
                tenant = self.rng.choice(housed)  # a tenant here that needs more room
            else:
                tenant = self.companies.prospect(day)
                prospects.append(tenant)
            planned.append(PlannedRequest(self._request(tenant, day), self._preferred(others)))
        return planned, prospects

    def _preferred(self, others: list[str]) -> list[str]:
        codes = [self.spec.code]
        if others and self.rng.random() < 0.4:
            codes += self.rng.sample(others, min(len(others), self.rng.randint(1, 2)))
        return codes

    def _request(self, tenant: Tenant, day: dt.date) -> SpaceRequest:
        rng = self.rng
        kind = rng.choices(*self.kinds)[0]
        median = SIZES[kind][0]
        area_min = round(median * rng.uniform(0.5, 1.0))
        area_max = round(area_min * rng.uniform(1.1, 2.0))
        turnkey = kind in TURNKEY_KINDS and rng.random() < 0.6
        power = POWERED.get(kind)
        rent_lo, rent_hi = RENTS[kind]
        return SpaceRequest(
            tenant=tenant,
            submitted_at=office_hours(rng, day),
            status=SpaceRequest.Status.SUBMITTED,
            area_min=Decimal(area_min),
            area_max=Decimal(area_max),
            unit_kind=kind,
            seats=area_min // (5 if kind == U.COWORKING else 8)
            if kind in (U.OFFICE, U.COWORKING)
            else 0,
            move_in_on=self.today + days(rng.randint(14, 120)),
            term_months=rng.choices((12, 24, 36, 60), (35, 35, 25, 5))[0],
            fit_out=F.TURNKEY if turnkey else F.TAILORED,
            power_kva=round(rng.randint(*power), -1) if power else None,
            cleanroom_class=rng.choice(CLEANROOM_CLASSES) if kind == U.CLEANROOM else "",
            floor_load_kn_m2=Decimal(rng.choice(("5.0", "8.0", "10.0", "12.0")))
            if kind in HEAVY
            else None,
            network=rng.choice(NETWORKS),
            notes=rng.choice(TURNKEY_NOTES if turnkey else TAILORED_NOTES),
            budget_per_m2=Decimal(f"{rng.uniform(rent_lo, rent_hi) * 0.95:.2f}")
            if rng.random() < 0.8
            else None,
        )


def filled_request(
    rng: random.Random, lease: Lease, tenant: Tenant
) -> tuple[SpaceRequest, dt.date]:
    """The request a past letting answered, and the day its offer was made.

    Gives the demo's time-to-fill figures a history: submitted 10–120 days
    before the lease starts, offered 1–14 days after submission.
    """
    lead = rng.randint(10, 120)
    submitted = lease.start - days(lead)
    offered = submitted + days(rng.randint(1, min(14, lead - 1)))
    unit = lease.unit
    area = unit.gross_area
    months = 12 if lease.end is None else max(1, round((lease.end - lease.start).days / 30.4))
    request = SpaceRequest(
        tenant=tenant,
        submitted_at=office_hours(rng, submitted),
        status=SpaceRequest.Status.ACCEPTED,
        area_min=max(Decimal(1), (area * Decimal("0.8")).quantize(Decimal(1))),
        area_max=(area * Decimal("1.2")).quantize(Decimal(1)) + 1,
        unit_kind=unit.kind,
        move_in_on=lease.start,
        term_months=min(months, 120),
        fit_out=F.TURNKEY if unit.turnkey else F.TAILORED,
        network=rng.choice(NETWORKS),
    )
    return request, offered

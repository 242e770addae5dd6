"""Tenant companies: names, USCCs and the dates that follow from their leases."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from carriers.choices import Industry
from carriers.demo.dates import days, office_hours
from carriers.demo.ledger import Lease
from carriers.demo.roster import CarrierSpec
from carriers.demo.vocab import (
    BRAND_CHARS,
    GIVEN_NAMES,
    INDUSTRY_WORDS,
    LEGAL_FORMS,
    REGION_PREFIXES,
    SURNAMES,
)
from carriers.models import Carrier
from leasing.models import Allocation, Tenant
from leasing.uscc import make_uscc

K = Carrier.Kind
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
KUNSHAN = "320583"  # administrative-division code (DESIGN.md §2)
INDUSTRIES: tuple[str, ...] = tuple(i for i in Industry.values if i != Industry.MIXED)
# Share of a carrier's tenants that enter incubation when they move in.
INCUBATING = {
    K.INCUBATOR: 0.9,
    K.MAKER_SPACE: 0.9,
    K.ACCELERATOR: 0.6,
    K.INNOVATION_CENTRE: 0.6,
    K.RD_HEADQUARTERS: 0.35,
    K.INDUSTRIAL_PARK: 0.1,
}


@dataclass
class Registry:
    """Names and codes already handed out in this zone, so none repeats."""

    names: set[str] = field(default_factory=set)
    usccs: set[str] = field(default_factory=set)


class CompanyMaker:
    def __init__(self, rng: random.Random, spec: CarrierSpec, registry: Registry, today: dt.date):
        self.rng = rng
        self.spec = spec
        self.registry = registry
        self.today = today

    # -- identity ---------------------------------------------------------------

    def industry(self) -> str:
        """Mostly the carrier's own line ("区域+功能"), sometimes another."""
        if self.spec.industry != Industry.MIXED and self.rng.random() < 0.75:
            return self.spec.industry
        return self.rng.choice(INDUSTRIES)

    def name(self, industry: str) -> str:
        rng = self.rng
        while True:
            brand = "".join(rng.sample(BRAND_CHARS, 2))
            word = rng.choice(INDUSTRY_WORDS[industry])
            name = f"{rng.choice(REGION_PREFIXES)}{brand}{word}{rng.choice(LEGAL_FORMS)}"
            if name not in self.registry.names:
                self.registry.names.add(name)
                return name

    def uscc(self, founded_on: dt.date) -> str:
        """91 (enterprise) + 320583 (Kunshan) + organisation code + check character."""
        rng = self.rng
        while True:
            if founded_on.year >= 2015:  # registered under the USCC scheme: MA...
                org = "MA" + rng.choice("1234") + "".join(rng.choices(USCC_ALPHABET, k=6))
            else:  # an old organisation code carried over
                org = "".join(rng.choices("0123456789", k=8)) + rng.choice("0123456789X")
            code = make_uscc(f"91{KUNSHAN}{org}")
            if code not in self.registry.usccs:
                self.registry.usccs.add(code)
                return code

    def company(self, industry: str, founded_on: dt.date, employees: int) -> Tenant:
        rng = self.rng
        uscc = self.uscc(founded_on)
        employees = max(2, employees)
        return Tenant(
            name=self.name(industry),
            uscc=uscc,
            industry=industry,
            founded_on=founded_on,
            employees=employees,
            rd_staff=min(employees, round(employees * rng.uniform(0.15, 0.7))),
            contact_name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
            # 0512-0...: never a real Suzhou number (local numbers do not start with 0).
            contact_phone=f"0512-0{rng.randint(0, 9999999):07d}",
            contact_email=f"contact-{uscc[-8:].lower()}@example.com",
        )

    # -- housed tenants ---------------------------------------------------------------

    def housed(self, leases: list[Lease]) -> Tenant:
        """A tenant whose dates agree with its leases (sorted by start)."""
        rng = self.rng
        first = leases[0].start
        young = self.spec.kind in (K.INCUBATOR, K.MAKER_SPACE)
        founded = first - days(rng.randint(30, 1500) if young else rng.randint(365, 5400))
        founded = min(founded, self.today - days(30))
        tenant = self.company(self.industry(), founded, self._headcount(leases))
        moved_in = first <= self.today and any(x.state != Allocation.State.HELD for x in leases)
        if moved_in and rng.random() < INCUBATING[self.spec.kind]:
            self._incubation(tenant, first)
        ends = [x.end for x in leases]
        if all(e is not None and e <= self.today for e in ends):
            tenant.moved_out_on = max(e for e in ends if e is not None)
        signed = leases[0].signed_on or first - days(30)
        tenant.created_at = office_hours(rng, min(signed, self.today))
        return tenant

    def _headcount(self, leases: list[Lease]) -> int:
        """People fit the space they hold at their latest move-in: 10–30 m² each."""
        latest = max(x.start for x in leases)
        area = sum(
            float(x.unit.gross_area)
            for x in leases
            if x.start <= latest and (x.end is None or x.end > latest)
        )
        return round(area / self.rng.uniform(10, 30))

    def _incubation(self, tenant: Tenant, entered: dt.date) -> None:
        rng = self.rng
        tenant.incubation_entered_on = entered
        days_in = (self.today - entered).days
        if days_in > 400 and rng.random() < 0.35:
            tenant.graduated_on = entered + days(rng.randint(365, min(1825, days_in)))

    # -- companies still looking for space ------------------------------------------------

    def prospect(self, submitted: dt.date) -> Tenant:
        rng = self.rng
        founded = self.today - days(rng.randint(60, 6 * 365))
        tenant = self.company(self.industry(), founded, rng.randint(3, 60))
        tenant.created_at = office_hours(rng, submitted - days(rng.randint(0, 10)))
        return tenant

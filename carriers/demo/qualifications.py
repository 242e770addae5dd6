"""Dated qualifications: tech SME most common, then high-tech, gazelle, little giant, unicorns.

A company's tier decides which records it has; a higher tier implies the
lower ones before it (tech SME years, then high-tech recognition), so the
reports can see upgrades (小升高) inside the history.
"""

from __future__ import annotations

import datetime as dt
import random

from carriers.demo.dates import add_months, days
from carriers.demo.vocab import ISSUERS
from carriers.models import Carrier
from leasing.models import Qualification, Tenant

Q = Qualification.Kind
K = Carrier.Kind
# (tier, probability) for an ordinary company; checked from the top.
TIERS: tuple[tuple[str, float], ...] = (
    (Q.UNICORN, 0.0001),
    (Q.POTENTIAL_UNICORN, 0.0008),
    (Q.LITTLE_GIANT, 0.006),
    (Q.GAZELLE, 0.007),
    (Q.HIGH_TECH, 0.13),
    (Q.TECH_SME, 0.45),
)
# Accelerators and R&D headquarters house more grown-up companies.
BOOST = {K.ACCELERATOR: 1.6, K.RD_HEADQUARTERS: 1.5, K.INNOVATION_CENTRE: 1.3, K.MAKER_SPACE: 0.4}
HIGH_TECH_AND_UP = frozenset(
    {Q.HIGH_TECH, Q.GAZELLE, Q.LITTLE_GIANT, Q.POTENTIAL_UNICORN, Q.UNICORN}
)


def draw_tier(rng: random.Random, carrier_kind: str) -> str | None:
    boost = BOOST.get(carrier_kind, 1.0)
    roll = rng.random()
    bound = 0.0
    for tier, share in TIERS:
        bound += share * (boost if tier != Q.TECH_SME else 1.0)
        if roll < bound:
            return tier
    return None


def _between(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date | None:
    if hi <= lo:
        return None
    return lo + days(rng.randint(0, (hi - lo).days - 1))


class QualificationMaker:
    def __init__(self, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today

    def records(self, tenant: Tenant, tier: str | None) -> list[Qualification]:
        if tier is None or tenant.founded_on is None:
            return []
        out = self._tech_sme(tenant, high_tech=tier in HIGH_TECH_AND_UP)
        if tier in HIGH_TECH_AND_UP:
            out += self._high_tech(tenant)
        if tier in (Q.GAZELLE, Q.POTENTIAL_UNICORN, Q.UNICORN):
            out += self._recognised(tenant, Q.GAZELLE, years_back=4, months=36)
        if tier == Q.LITTLE_GIANT:
            out += self._recognised(tenant, Q.LITTLE_GIANT, years_back=5, months=36)
        if tier in (Q.POTENTIAL_UNICORN, Q.UNICORN):
            out += self._recognised(tenant, Q.POTENTIAL_UNICORN, years_back=2, months=12)
        if tier == Q.UNICORN:
            out += self._recognised(tenant, Q.UNICORN, years_back=1, months=None)
        return out

    def _record(
        self, tenant: Tenant, kind: str, start: dt.date, end: dt.date | None, number: str
    ) -> Qualification:
        return Qualification(
            tenant=tenant,
            kind=kind,
            issuer=self.rng.choice(ISSUERS[kind]),
            certificate_no=number,
            valid_from=start,
            valid_to=end,
        )

    def _tech_sme(self, tenant: Tenant, *, high_tech: bool) -> list[Qualification]:
        """Registered year by year (科技型中小企业评价入库), valid to the end of the year."""
        rng = self.rng
        out = []
        founded = tenant.founded_on
        for year in range(max(founded.year + 1, self.today.year - 3), self.today.year + 1):
            if rng.random() >= (0.6 if high_tech else 0.85):
                continue
            start = dt.date(year, rng.randint(3, 9), rng.randint(1, 28))
            if start > self.today or start <= founded:
                continue
            number = f"{year}{tenant.uscc[2:8]}{rng.randint(1, 12):02d}{rng.randint(1, 9999):06d}"
            out.append(self._record(tenant, Q.TECH_SME, start, dt.date(year + 1, 1, 1), number))
        return out

    def _high_tech(self, tenant: Tenant) -> list[Qualification]:
        """Three-year recognitions, usually renewed (高新技术企业证书 GR...)."""
        rng = self.rng
        lo = max(add_months(tenant.founded_on, 24), add_months(self.today, -84))
        start = _between(rng, lo, self.today - days(30))
        out = []
        while start is not None and start <= self.today:
            end = add_months(start, 36)
            number = f"GR{start.year}32{rng.randint(0, 999999):06d}"
            out.append(self._record(tenant, Q.HIGH_TECH, start, end, number))
            start = end if end <= self.today and rng.random() < 0.8 else None
        return out

    def _recognised(
        self, tenant: Tenant, kind: str, *, years_back: int, months: int | None
    ) -> list[Qualification]:
        rng = self.rng
        lo = max(add_months(tenant.founded_on, 24), add_months(self.today, -12 * years_back))
        start = _between(rng, lo, self.today - days(10))
        if start is None:
            return []
        end = add_months(start, months) if months else None
        prefix = {Q.GAZELLE: "DL", Q.LITTLE_GIANT: "ZJTX", Q.POTENTIAL_UNICORN: "QZDJS"}
        number = f"{prefix.get(kind, 'DJS')}{start.year}{rng.randint(1, 9999):04d}"
        return [self._record(tenant, kind, start, end, number)]

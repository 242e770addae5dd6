"""Three years of lease history for one carrier's units, non-overlapping by construction.

Each unit's timeline is walked forward from before the history window:
vacancy gap, tenancy (a first lease and its gap-free renewals), gap, ... up
to today. Every lease starts at or after the previous one's end, inside the
unit's service period, and only leasable units get any, so the ledger can
never break the no-overlap rule or the models' check constraints. Tenants
are slots (integers) here; companies.py gives them names and dates.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from carriers.demo.dates import add_months, days, local_datetime, years_before
from carriers.demo.roster import CarrierSpec
from carriers.models import Carrier, Unit
from leasing.models import Allocation

S = Allocation.State
K = Carrier.Kind
CENT = Decimal("0.01")
SOON = 90  # days: leases ending this soon may already be renewed (status.AVAILABLE_SOON)
# (months, weight). Incubators sign for a year and renew year by year.
SHORT_TERMS = ((6, 55), (12, 41), (24, 4))
LONG_TERMS = ((12, 80), (24, 17), (36, 3))
SEAT_TERMS = ((3, 35), (6, 45), (12, 20))  # co-working seats turn over fastest
RENEWAL = 0.75  # chance an ending lease is renewed without a gap
SUBSIDISED = frozenset({K.INCUBATOR, K.MAKER_SPACE, K.ACCELERATOR})
ANCHORED = frozenset({K.RD_HEADQUARTERS, K.INDUSTRIAL_PARK})  # more open-ended leases


@dataclass(slots=True)
class Lease:
    unit: Unit
    slot: int  # tenant slot within the carrier
    start: dt.date
    end: dt.date | None
    state: str
    rent: Decimal
    rent_free_months: int = 0
    signed_on: dt.date | None = None
    moved_in_on: dt.date | None = None
    moved_out_on: dt.date | None = None
    hold_expires_at: dt.datetime | None = None
    note: str = ""


class LedgerBuilder:
    """Draws the ledger of one carrier; `spans` remembers when each tenant slot is housed."""

    def __init__(self, rng: random.Random, spec: CarrierSpec, today: dt.date):
        self.rng = rng
        self.spec = spec
        self.today = today
        self.window_start = years_before(today, 3)
        self.terms = SHORT_TERMS if spec.kind in SUBSIDISED else LONG_TERMS
        self.discount = (0.6, 0.95) if spec.kind in SUBSIDISED else (0.8, 1.0)
        self.open_ended = 0.08 if spec.kind in ANCHORED else 0.03
        self.spans: list[list[tuple[dt.date, dt.date | None]]] = []

    # -- public ------------------------------------------------------------------

    def unit_ledger(self, unit: Unit) -> list[Lease]:
        """The unit's leases overlapping the last three years, plus what is signed ahead."""
        if not unit.leasable:
            return []
        if unit.in_service_from > self.today:
            return self._pre_let(unit)
        leases, cursor = self._history(unit)
        retired = unit.retired_on is not None and unit.retired_on <= self.today
        vacant = not leases or (leases[-1].end is not None and leases[-1].end <= self.today)
        if vacant and not retired:
            leases.extend(self._vacant_now(unit, cursor, bool(leases)))
        return [x for x in leases if x.end is None or x.end > self.window_start]

    # -- the walk ----------------------------------------------------------------

    def _history(self, unit: Unit) -> tuple[list[Lease], dt.date]:
        rng = self.rng
        since, retire = unit.in_service_from, unit.retired_on
        old = since < self.window_start
        # Start the walk up to two years before the window, so it opens mid-lease.
        cursor = max(since, self.window_start - days(rng.randint(0, 720))) if old else since
        leases: list[Lease] = []
        while True:
            start = cursor + days(self._gap(fresh=not leases and not old))
            if start > self.today or (retire and start > retire - days(60)):
                return leases, cursor
            chain = self._tenancy(unit, self._tenant(start), start)
            leases.extend(chain)
            end = chain[-1].end
            if end is None or end > self.today or (retire and end >= retire):
                return leases, end or self.today
            cursor = end

    def _gap(self, *, fresh: bool) -> int:
        """Days vacant before the next tenancy: lease-up of new space takes longer."""
        rng = self.rng
        if fresh:
            return rng.randint(0, 240)
        if rng.random() < self.spec.demand:
            return rng.randint(0, 90)
        return rng.randint(91, 720)

    def _term(self, unit: Unit) -> int:
        terms = SEAT_TERMS if unit.kind == Unit.Kind.COWORKING else self.terms
        months, weights = zip(*terms, strict=True)
        return self.rng.choices(months, weights=weights)[0]

    def _tenant(self, start: dt.date) -> int:
        """Mostly a new company; sometimes one already housed here takes another unit."""
        rng = self.rng
        if self.spans and rng.random() < 0.4:
            recent = range(max(0, len(self.spans) - 40), len(self.spans))
            for _ in range(5):
                slot = rng.choice(recent)
                if any(s <= start and (e is None or start < e) for s, e in self.spans[slot]):
                    return slot
        self.spans.append([])
        return len(self.spans) - 1

    def _tenancy(self, unit: Unit, slot: int, start: dt.date) -> list[Lease]:
        """A first lease and the renewals that continue it without a gap."""
        rng = self.rng
        retire = unit.retired_on
        rent = float(unit.list_rent) * rng.uniform(*self.discount)
        chain: list[Lease] = []
        while True:
            end = add_months(start, self._term(unit))
            if not chain and rng.random() < 0.08:  # left early
                end = start + days(rng.randint(60, max(61, (end - start).days - 1)))
            capped = retire is not None and end >= retire
            end = retire if capped else end
            lease = self._lease(unit, slot, start, end, rent, renewal=bool(chain))
            chain.append(lease)
            if lease.state == S.ACTIVE:
                if retire is None and rng.random() < self.open_ended:
                    lease.end = None  # never past a retirement: open-ended only if none
                elif not capped and end <= self.today + days(SOON) and rng.random() < 0.35:
                    chain.append(self._renewal(unit, slot, end, rent))
                break
            if capped or rng.random() >= RENEWAL:
                break
            start, rent = end, rent * rng.uniform(1.0, 1.05)
        last = chain[-1]
        if last.state == S.ENDED:
            last.moved_out_on = max(last.start, last.end - days(rng.randint(1, 5)))
        self.spans[slot].append((chain[0].start, last.end))
        return chain

    def _lease(
        self, unit: Unit, slot: int, start: dt.date, end: dt.date, rent: float, *, renewal: bool
    ) -> Lease:
        rng = self.rng
        signed = start - days(rng.randint(15, 60) if renewal else rng.randint(7, 45))
        moved_in = None if renewal else start + days(rng.randint(0, 14))
        return Lease(
            unit=unit,
            slot=slot,
            start=start,
            end=end,
            state=S.ENDED if end <= self.today else S.ACTIVE,
            rent=Decimal(f"{rent:.2f}"),
            rent_free_months=0 if renewal else rng.choices((0, 1, 2, 3), (50, 25, 15, 10))[0],
            signed_on=min(signed, self.today),
            moved_in_on=moved_in
            if moved_in and moved_in <= self.today and moved_in < end
            else None,
            note="续租" if renewal else "",
        )

    def _renewal(self, unit: Unit, slot: int, start: dt.date, rent: float) -> Lease:
        """A renewal signed ahead: it starts the day the current lease ends."""
        end = add_months(start, self._term(unit))
        if unit.retired_on and end > unit.retired_on:
            end = unit.retired_on
        return self._lease(unit, slot, start, end, rent * self.rng.uniform(1.0, 1.05), renewal=True)

    # -- vacant today and not yet in service -----------------------------------------

    def _vacant_now(self, unit: Unit, vacated: dt.date, had_tenant: bool) -> list[Lease]:
        """Make-ready, a current hold, or a lease signed to start soon."""
        rng = self.rng
        recently = had_tenant and (self.today - vacated).days <= 60
        if unit.turnkey and recently and rng.random() < 0.5:
            unit.ready_on = self.today + days(rng.randint(5, 45))  # turnkey make-ready
        elif unit.turnkey and had_tenant:
            unit.ready_on = vacated + days(rng.randint(10, 30))
        elif rng.random() < 0.04:
            unit.ready_on = self.today + days(rng.randint(10, 90))  # re-fit for the next tenant
        roll = rng.random()
        if roll < 0.08 and not (unit.ready_on and unit.ready_on > self.today):
            # A current hold: it already covers today, so the unit shows as held.
            start = max(vacated, unit.ready_on or vacated, self.today - days(rng.randint(0, 7)))
            return self._ahead(unit, start, hold=True)
        if roll < 0.14:
            earliest = max(vacated, self.today, unit.ready_on or self.today)
            return self._ahead(unit, earliest + days(rng.randint(1, 45)), hold=False)
        return []

    def _pre_let(self, unit: Unit) -> list[Lease]:
        """Space not yet in service is sometimes let ahead of completion."""
        if self.rng.random() >= 0.15:
            return []
        return self._ahead(unit, unit.in_service_from + days(self.rng.randint(0, 30)), hold=False)

    def _ahead(self, unit: Unit, start: dt.date, *, hold: bool) -> list[Lease]:
        rng = self.rng
        end = add_months(start, self._term(unit))
        if unit.retired_on is not None:
            if (unit.retired_on - start).days < 60:
                return []
            end = min(end, unit.retired_on)
        slot = self._tenant(start)
        rent = float(unit.list_rent) * rng.uniform(*self.discount)
        lease = self._lease(unit, slot, start, end, rent, renewal=False)
        lease.moved_in_on = None
        if hold:
            lease.state = S.HELD
            lease.signed_on = None
            lease.note = "意向预留"
            expires = self.today + days(rng.randint(1, 3))
            lease.hold_expires_at = local_datetime(expires, rng.randint(10, 18))
        self.spans[slot].append((start, end))
        return [lease]

"""A carrier's buildings, floors and units: unsaved model instances, built in memory.

Space grows and shrinks over the years: later buildings and top floors come
into service inside the three-year history or after today, and a few floors
are re-partitioned (old units retired, new ones fitted out).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from carriers.demo.dates import days
from carriers.demo.roster import CarrierSpec
from carriers.demo.vocab import TURNKEY_PARTS
from carriers.models import Building, Carrier, Floor, Unit

K = Carrier.Kind
U = Unit.Kind
CENT = Decimal("0.01")

# Unit kinds per carrier kind (weights).
KIND_MIX: dict[str, dict[str, float]] = {
    K.INCUBATOR: {U.OFFICE: 55, U.COWORKING: 18, U.LAB: 15, U.WORKSHOP: 6, U.WAREHOUSE: 6},
    K.MAKER_SPACE: {U.COWORKING: 50, U.OFFICE: 40, U.LAB: 5, U.WORKSHOP: 5},
    K.ACCELERATOR: {U.OFFICE: 35, U.LAB: 20, U.WORKSHOP: 30, U.CLEANROOM: 5, U.WAREHOUSE: 10},
    K.RD_HEADQUARTERS: {U.OFFICE: 55, U.LAB: 30, U.CLEANROOM: 5, U.COWORKING: 5, U.WORKSHOP: 5},
    K.INNOVATION_CENTRE: {
        U.OFFICE: 45,
        U.LAB: 28,
        U.COWORKING: 10,
        U.CLEANROOM: 5,
        U.WORKSHOP: 12,
    },
    K.INDUSTRIAL_PARK: {
        U.WORKSHOP: 55,
        U.OFFICE: 12,
        U.WAREHOUSE: 18,
        U.CLEANROOM: 10,
        U.LAB: 5,
    },
}
# Industry lines that shift the mix (more labs for biomedicine, cleanrooms for chips).
INDUSTRY_BOOST: dict[str, dict[str, float]] = {
    "biomedicine": {U.LAB: 2.5},
    "life_health": {U.LAB: 2.0, U.CLEANROOM: 1.5},
    "ic": {U.CLEANROOM: 3.0},
    "electronics": {U.CLEANROOM: 1.5, U.LAB: 1.3},
    "equipment": {U.WORKSHOP: 1.8},
    "materials": {U.LAB: 1.5, U.WORKSHOP: 1.3},
}
# Unit gross area: (median m², spread, min, max).
SIZES: dict[str, tuple[float, float, float, float]] = {
    U.OFFICE: (100, 0.6, 30, 800),
    U.COWORKING: (140, 0.4, 60, 400),
    U.LAB: (180, 0.5, 60, 1000),
    U.WORKSHOP: (700, 0.55, 200, 3000),
    U.CLEANROOM: (380, 0.5, 120, 1500),
    U.WAREHOUSE: (380, 0.6, 100, 2000),
}
# List rent, CNY per m² per month (Kunshan, 2024).
RENTS: dict[str, tuple[float, float]] = {
    U.OFFICE: (35, 65),
    U.COWORKING: (45, 80),
    U.LAB: (45, 75),
    U.WORKSHOP: (25, 38),
    U.CLEANROOM: (60, 80),
    U.WAREHOUSE: (25, 32),
}
RENT_FLOOR, RENT_CAP = 25, 80  # the zone's going range, whatever the multipliers

# Buildings per carrier kind: (min floors, max floors, min plate m², max plate m²).
SHAPES: dict[str, tuple[int, int, int, int]] = {
    K.INCUBATOR: (3, 10, 1200, 2500),
    K.MAKER_SPACE: (2, 6, 800, 1600),
    K.ACCELERATOR: (2, 6, 2000, 4500),
    K.RD_HEADQUARTERS: (6, 20, 1500, 3000),
    K.INNOVATION_CENTRE: (4, 16, 1500, 3000),
    K.INDUSTRIAL_PARK: (1, 4, 3000, 8000),
}
GROUND_KINDS = frozenset({U.WORKSHOP, U.WAREHOUSE})
TURNKEY_KINDS = frozenset({U.OFFICE, U.COWORKING, U.LAB})
# Two layouts of at most 45 units keep numbers below 100, so "A-1101" (level 11) can
# never also be unit 101 of level 1.
MAX_UNITS_PER_FLOOR = 45


@dataclass
class Inventory:
    buildings: list[Building] = field(default_factory=list)
    floors: list[Floor] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


def building_code(index: int, industrial: bool) -> str:
    """A, B, ... Z, AA, AB, ... for towers; 1, 2, ... for factory buildings."""
    if industrial:
        return str(index + 1)
    code = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        code = chr(ord("A") + rest) + code
    return code


def _money(value: float) -> Decimal:
    return Decimal(f"{round(value * 2) / 2:.2f}")  # to the half yuan, as price lists do


def _area(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


class InventoryBuilder:
    """Builds one carrier's space; every draw comes from the carrier's own rng."""

    def __init__(self, rng: random.Random, spec: CarrierSpec, carrier: Carrier, today: dt.date):
        self.rng = rng
        self.spec = spec
        self.carrier = carrier
        self.today = today
        self.opened_on = today - days(spec.opened_days_ago)
        self.industrial = spec.kind == K.INDUSTRIAL_PARK
        self.rent_factor = rng.uniform(0.9, 1.1)
        mix = dict(KIND_MIX[spec.kind])
        for kind, boost in INDUSTRY_BOOST.get(spec.industry, {}).items():
            mix[kind] = mix.get(kind, 1) * boost
        self.mix_kinds = list(mix)
        self.mix_weights = [mix[k] for k in self.mix_kinds]
        self.unit_numbers: dict[int, int] = {}  # id(floor) -> last unit number used

    # -- layout -------------------------------------------------------------

    def build(self, n_units: int) -> Inventory:
        inv = Inventory()
        index = 0
        while len(inv.units) < n_units:
            self._building(inv, index, n_units)
            index += 1
        if len(inv.buildings) >= 3 and self.rng.random() < 0.25:
            self._still_building(inv, inv.buildings[-1])
        self._repartition(inv)
        return inv

    def _still_building(self, inv: Inventory, building: Building) -> None:
        """The newest building is still under construction: its units come later."""
        opens = self.today + days(self.rng.randint(20, 300))
        building.completed_on = None
        for unit in inv.units:
            if unit.floor.building is building:
                unit.in_service_from = max(unit.in_service_from, opens)

    def _building_date(self, index: int) -> dt.date:
        """When a building comes into service: the first on opening, later ones spread out."""
        rng = self.rng
        if index == 0:
            return self.opened_on
        if rng.random() < 0.28:
            return max(self.opened_on, self.today - days(rng.randint(30, 1000)))
        span = max(0, (self.today - self.opened_on).days - 1100)
        return self.opened_on + days(rng.randint(0, span))

    def _building(self, inv: Inventory, index: int, n_units: int) -> None:
        rng = self.rng
        lo, hi, plate_lo, plate_hi = SHAPES[self.spec.kind]
        code = building_code(index, self.industrial)
        in_service = self._building_date(index)
        building = Building(
            carrier=self.carrier,
            code=code,
            name=f"{code}号厂房" if self.industrial else f"{code}栋",
            completed_on=in_service - days(rng.randint(30, 120))
            if in_service <= self.today
            else None,
        )
        inv.buildings.append(building)
        n_floors = rng.randint(lo, hi)
        plate = rng.uniform(plate_lo, plate_hi)
        # Top floors of some buildings are fitted out later (phased opening).
        phased = rng.randint(1, min(3, n_floors - 1)) if n_floors > 1 and rng.random() < 0.25 else 0
        later = in_service + days(rng.randint(60, 600))
        levels = ([-1] if not self.industrial and rng.random() < 0.3 else []) + list(
            range(1, n_floors + 1)
        )
        for level in levels:
            if len(inv.units) >= n_units:
                break
            floor = Floor(
                building=building, level=level, label=f"B{-level}" if level < 0 else f"{level}F"
            )
            inv.floors.append(floor)
            since = later if level > n_floors - phased else in_service
            self._fill_floor(inv, floor, plate * (0.5 if level < 0 else 1), since, n_units)

    def _fill_floor(
        self, inv: Inventory, floor: Floor, plate: float, since: dt.date, limit: int | None
    ) -> list[Unit]:
        units: list[Unit] = []
        total = 0.0
        while total < plate * 0.9 and len(units) < MAX_UNITS_PER_FLOOR:
            if limit is not None and len(inv.units) >= limit:
                break
            unit = self._unit(floor, self._next_index(floor), since)
            total += float(unit.gross_area)
            units.append(unit)
            inv.units.append(unit)
        self._mark_common_space(floor, units)
        return units

    def _next_index(self, floor: Floor) -> int:
        # Numbering per floor goes on after a re-partition: codes are never reused.
        n = self.unit_numbers.get(id(floor), 0) + 1
        self.unit_numbers[id(floor)] = n
        return n

    def _mark_common_space(self, floor: Floor, units: list[Unit]) -> None:
        """Lobbies, shared meeting rooms and public technical platforms are not for lease."""
        rng = self.rng
        if not units:
            return
        chosen: list[Unit] = []
        if floor.level == 1 and not self.industrial and rng.random() < 0.6:
            chosen.append(units[0])
        if rng.random() < 0.2:
            chosen.append(rng.choice(units))
        for unit in chosen:
            unit.leasable = False
            unit.list_rent = Decimal("0.00")
            unit.turnkey = False
            unit.turnkey_package = ""

    # -- one unit -------------------------------------------------------------

    def _kind(self, level: int) -> str:
        kind = self.rng.choices(self.mix_kinds, weights=self.mix_weights)[0]
        # Heavy kinds stay near the ground; basements hold storage.
        if level < 0:
            return U.WAREHOUSE
        if (kind in GROUND_KINDS and level > 3) or (kind == U.CLEANROOM and level > 6):
            return U.LAB if self.rng.random() < 0.3 else U.OFFICE
        return kind

    def _unit(self, floor: Floor, index: int, since: dt.date) -> Unit:
        rng = self.rng
        kind = self._kind(floor.level)
        median, spread, lo, hi = SIZES[kind]
        gross = _area(min(hi, max(lo, rng.lognormvariate(0, spread) * median)))
        usable = (gross * Decimal(str(round(rng.uniform(0.70, 0.85), 4)))).quantize(CENT)
        label = f"B{-floor.level}" if floor.level < 0 else str(floor.level)
        turnkey = kind in TURNKEY_KINDS and rng.random() < self.spec.turnkey_share * (
            0.5 if kind == U.LAB else 1
        )
        rent_lo, rent_hi = RENTS[kind]
        rent = rng.uniform(rent_lo, rent_hi) * self.rent_factor * (1.1 if turnkey else 1)
        unit = Unit(
            carrier=self.carrier,
            floor=floor,
            code=f"{floor.building.code}-{label}{index:02d}",
            kind=kind,
            gross_area=gross,
            usable_area=usable,
            seats=self._seats(kind, usable),
            list_rent=_money(min(max(rent, RENT_FLOOR), RENT_CAP)),
            turnkey=turnkey,
            in_service_from=since,
        )
        if turnkey:
            unit.turnkey_package = self._package(kind, unit.seats, float(usable))
        return unit

    def _seats(self, kind: str, usable: Decimal) -> int:
        if kind == U.OFFICE:
            return max(1, int(float(usable) / self.rng.uniform(6, 10)))
        if kind == U.COWORKING:
            return max(1, int(float(usable) / self.rng.uniform(3.5, 5.5)))
        return 0

    def _package(self, kind: str, seats: int, usable: float) -> str:
        parts = TURNKEY_PARTS[kind]
        # The first two parts always come; the rest vary from unit to unit.
        extra = [p for p in parts[2:] if self.rng.random() < 0.6]
        values = {
            "seats": seats or max(2, int(usable / 25)),
            "room": self.rng.choice((6, 8, 10, 12)),
            "managers": 1 + int(usable > 200) + int(usable > 500),
            "benches": max(2, int(usable / 30)),
            "hoods": max(1, int(usable / 80)),
        }
        return "、".join(p.format(**values) for p in [*parts[:2], *extra]) + "。"

    # -- re-partitioning ------------------------------------------------------------

    def _repartition(self, inv: Inventory) -> None:
        """Retire all units of a few floors and fit out a new layout after a gap.

        Any carrier of five floors or more gets at least one, so even a small
        demo shows space shrinking as well as growing.
        """
        rng = self.rng
        by_floor: dict[int, list[Unit]] = {}
        for unit in inv.units:
            by_floor.setdefault(id(unit.floor), []).append(unit)
        latest = self.today + days(240)
        eligible = [
            f
            for f in inv.floors
            if id(f) in by_floor and by_floor[id(f)][0].in_service_from + days(400) < latest
        ]
        chosen = [f for f in eligible if rng.random() < 0.04]
        if not chosen and len(inv.floors) >= 5 and eligible:
            chosen = [rng.choice(eligible)]
        for floor in chosen:
            units = by_floor[id(floor)]
            earliest = max(units[0].in_service_from + days(400), self.today - days(900))
            retire = earliest + days(rng.randint(0, (latest - earliest).days))
            for unit in units:
                unit.retired_on = retire
            plate = sum(float(u.gross_area) for u in units)
            self._fill_floor(inv, floor, plate, retire + days(rng.randint(30, 120)), None)

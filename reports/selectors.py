"""Read-side queries for the overview: unit counts and areas by carrier and status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from carriers.models import Carrier, Unit
from carriers.status import UnitStatus


@dataclass
class CarrierSnapshot:
    carrier: Carrier
    units: dict[str, int] = field(default_factory=lambda: dict.fromkeys(UnitStatus.values, 0))
    area: dict[str, Decimal] = field(
        default_factory=lambda: dict.fromkeys(UnitStatus.values, Decimal(0))
    )

    @property
    def ordered_counts(self) -> list[int]:
        return [self.units[status] for status in UnitStatus.values]

    @property
    def leasable_units(self) -> int:
        """Units that count in occupancy: in service and for lease (DESIGN.md §5)."""
        excluded = {UnitStatus.NOT_FOR_LEASE, UnitStatus.RETIRED, UnitStatus.PLANNED}
        return sum(n for status, n in self.units.items() if status not in excluded)

    @property
    def occupied_units(self) -> int:
        return self.units[UnitStatus.OCCUPIED] + self.units[UnitStatus.AVAILABLE_SOON]


def carrier_snapshots(carriers: list[Carrier], on: dt.date) -> list[CarrierSnapshot]:
    """Per-carrier status counts on a date: two queries whatever the data size."""
    snapshots = {c.pk: CarrierSnapshot(c) for c in carriers}
    rows = (
        Unit.objects.filter(carrier__in=list(snapshots))
        .with_status(on)
        .order_by()
        .values("carrier_id", "status")
        .annotate(n=Count("pk"), area=Sum("gross_area"))
    )
    totals: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
    for row in rows:
        totals[row["carrier_id"]][row["status"]] = (row["n"], row["area"] or Decimal(0))
    for carrier_id, by_status in totals.items():
        for status, (n, area) in by_status.items():
            snapshots[carrier_id].units[status] = n
            snapshots[carrier_id].area[status] = area
    return list(snapshots.values())

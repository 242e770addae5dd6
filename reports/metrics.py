"""Occupancy figures on a date or over a period, each saying its basis and what it leaves out.

DESIGN.md §4.5: numbers are honest. Every Figure carries its basis (area,
count, seats or rent), its date or period, and the exclusions behind it.

Which units count (the "leasable base") follows the derived status of
carriers/status.py, so the figures can never disagree with the unit pages:

- counted:  vacant, held, occupied, available soon
- allocated: held, occupied, available soon (unexpired holds count as allocated)
- excluded: not yet in service, retired, not for lease, and unlet units under
  fit-out (not ready). A unit being fitted out for a tenant who already has it
  is occupied, as its status says, and so counts.

Each function runs a fixed number of queries, whatever the number of units or leases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import Unit
from carriers.status import AVAILABLE_SOON_DAYS, UnitStatus, occupying_q

ZERO = Decimal(0)
RATIO = Decimal("0.0001")
CENTS = Decimal("0.01")

BASIS_AREA = "area"
BASIS_COUNT = "count"
BASIS_SEATS = "seats"
BASIS_RENT = "rent"

ALLOCATED = (UnitStatus.HELD, UnitStatus.OCCUPIED, UnitStatus.AVAILABLE_SOON)
LET = (UnitStatus.OCCUPIED, UnitStatus.AVAILABLE_SOON)
BASE = (UnitStatus.VACANT, *ALLOCATED)
EXCLUDED = (
    UnitStatus.NOT_FOR_LEASE,
    UnitStatus.RETIRED,
    UnitStatus.PLANNED,
    UnitStatus.NOT_READY,
)


@dataclass(frozen=True)
class Figure:
    name: str
    value: Decimal | None  # None when the denominator is zero: no figure, not 0 %.
    numerator: Decimal
    denominator: Decimal
    basis: str
    on: dt.date | None = None
    period: tuple[dt.date, dt.date] | None = None
    excludes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": None if self.value is None else str(self.value),
            "numerator": str(self.numerator),
            "denominator": str(self.denominator),
            "basis": self.basis,
            "on": self.on.isoformat() if self.on else None,
            "period": [d.isoformat() for d in self.period] if self.period else None,
            "excludes": list(self.excludes),
        }


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO)


def _money(expression: Any) -> ExpressionWrapper:
    # Decimal × decimal: say the output type, or SQLite hands back a float.
    return ExpressionWrapper(expression, output_field=DecimalField(max_digits=20, decimal_places=4))


def _d(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)


def _status_sums(units: QuerySet[Unit], day: dt.date, now: dt.datetime) -> dict[str, Any]:
    """Every total the figures on a date need, in one aggregate query."""
    area = DecimalField(max_digits=20, decimal_places=2)
    sums: dict[str, Any] = {}
    for status in UnitStatus.values:
        where = Q(status=status)
        sums[f"n_{status}"] = Count("pk", filter=where)
        sums[f"area_{status}"] = Sum("gross_area", filter=where, output_field=area)
        sums[f"seats_{status}"] = Sum("seats", filter=where)
    sums["turnkey_vacant"] = Count("pk", filter=Q(status=UnitStatus.VACANT, turnkey=True))
    sums["rent_let"] = Sum(_money(F("current_rent") * F("gross_area")), filter=Q(status__in=LET))
    sums["rent_list"] = Sum(_money(F("list_rent") * F("gross_area")), filter=Q(status__in=BASE))
    qs = units.with_status(day, now=now).annotate(current_rent=F("covering__contracted_rent"))
    return qs.order_by().aggregate(**sums)


def _exclusions(totals: dict[str, Any]) -> list[str]:
    labels = {
        UnitStatus.NOT_FOR_LEASE: _("Not for lease: %(n)s units, %(area)s m²"),
        UnitStatus.RETIRED: _("Retired: %(n)s units, %(area)s m²"),
        UnitStatus.PLANNED: _("Not yet in service: %(n)s units, %(area)s m²"),
        UnitStatus.NOT_READY: _("Under fit-out, not let (not ready): %(n)s units, %(area)s m²"),
    }
    return [
        label % {"n": totals[f"n_{status}"], "area": _d(totals[f"area_{status}"])}
        for status, label in labels.items()
    ]


def occupancy_on(
    units: QuerySet[Unit], day: dt.date, *, now: dt.datetime | None = None
) -> dict[str, Figure]:
    """Occupancy, vacancy, exposure and turnkey readiness on a date: one query."""
    t = _status_sums(units, day, now or timezone.now())
    excludes = [
        *_exclusions(t),
        _("Unexpired holds count as allocated; expired holds and cancellations do not"),
    ]

    def total(prefix: str, statuses: tuple[str, ...]) -> Decimal:
        return sum((_d(t[f"{prefix}_{s}"]) for s in statuses), ZERO)

    def figure(name: str, num: Decimal, den: Decimal, basis: str, extra: list[str]) -> Figure:
        return Figure(name, ratio(num, den), num, den, basis, on=day, excludes=extra)

    figures: dict[str, Figure] = {}
    for basis, prefix in ((BASIS_AREA, "area"), (BASIS_COUNT, "n"), (BASIS_SEATS, "seats")):
        allocated, base = total(prefix, ALLOCATED), total(prefix, BASE)
        figures[f"occupancy_{basis}"] = figure(
            f"occupancy_{basis}", allocated, base, basis, excludes
        )
        figures[f"vacancy_{basis}"] = figure(
            f"vacancy_{basis}", base - allocated, base, basis, excludes
        )
    rent_excludes = [
        *_exclusions(t),
        _("Holds earn no rent: only signed leases count in contracted rent"),
        _("Contracted and list rent weighted by gross area, before rent-free months"),
    ]
    figures["occupancy_economic"] = figure(
        "occupancy_economic", _d(t["rent_let"]), _d(t["rent_list"]), BASIS_RENT, rent_excludes
    )
    figures["exposure_area"] = figure(
        "exposure_area",
        _d(t[f"area_{UnitStatus.AVAILABLE_SOON}"]),
        total("area", BASE),
        BASIS_AREA,
        [
            *excludes,
            _(
                "Leases ending within %(days)s days with no renewal from their end; "
                "share of leasable area"
            )
            % {"days": AVAILABLE_SOON_DAYS},
        ],
    )
    figures["vacant_turnkey_ready"] = figure(
        "vacant_turnkey_ready",
        Decimal(t["turnkey_vacant"]),
        Decimal(t[f"n_{UnitStatus.VACANT}"]),
        BASIS_COUNT,
        [*_exclusions(t), _("Share of vacant, ready units that are turnkey (拎包入住)")],
    )
    return figures


# --- over a period ----------------------------------------------------------------------


def _overlap(lo: dt.date, hi: dt.date, start: dt.date, end: dt.date | None) -> int:
    """Days in [lo, hi) ∩ [start, end), end None meaning open-ended."""
    upper = hi if end is None else min(hi, end)
    return max((upper - max(lo, start)).days, 0)


def time_weighted_occupancy(
    units: QuerySet[Unit],
    start: dt.date,
    end: dt.date,
    *,
    now: dt.datetime | None = None,
) -> Figure:
    """Σ(area × days allocated) ÷ Σ(area × days leasable) over [start, end): one query.

    A day counts for a unit exactly when occupancy_on would count it that day,
    so this is the day-weighted mean of daily occupancy by area. The database
    returns each leasable unit with its occupying allocations inside the period
    (a conditional LEFT JOIN, one row per unit and allocation); the day sums
    are done here, because date arithmetic differs between SQLite and PostgreSQL.
    """
    now = now or timezone.now()
    in_period = FilteredRelation(
        "allocations",
        condition=Q(allocations__start__lt=end)
        & (Q(allocations__end__isnull=True) | Q(allocations__end__gt=start))
        & occupying_q("allocations__", now),
    )
    rows = (
        units.filter(leasable=True, in_service_from__lt=end)
        .filter(Q(retired_on__isnull=True) | Q(retired_on__gt=start))
        .annotate(in_period=in_period)
        .order_by()
        .values_list(
            "pk",
            "gross_area",
            "in_service_from",
            "retired_on",
            "ready_on",
            "in_period__start",
            "in_period__end",
        )
    )
    units_seen: dict[int, tuple[Decimal, dt.date, dt.date, dt.date | None]] = {}
    ranges: dict[int, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for pk, area, in_service, retired, ready, a_start, a_end in rows:
        units_seen[pk] = (area, max(start, in_service), min(end, retired or end), ready)
        if a_start is not None:
            ranges[pk].append((a_start, a_end))
    allocated = leasable = ZERO
    for pk, (area, lo, hi, ready) in units_seen.items():
        # Unlet days under fit-out (before ready_on) are excluded, as on a date.
        fit_out_hi = min(hi, ready) if ready and ready > lo else lo
        days_allocated = sum(_overlap(lo, hi, s, e) for s, e in ranges[pk])
        days_let_in_fit_out = sum(_overlap(lo, fit_out_hi, s, e) for s, e in ranges[pk])
        days_leasable = (hi - lo).days - (fit_out_hi - lo).days + days_let_in_fit_out
        allocated += area * days_allocated
        leasable += area * days_leasable
    return Figure(
        "time_weighted_occupancy_area",
        ratio(allocated, leasable),
        allocated,
        leasable,
        BASIS_AREA,
        period=(start, end),
        excludes=[
            _("Period is half-open: from %(start)s up to, not including, %(end)s")
            % {"start": start.isoformat(), "end": end.isoformat()},
            _("Numerator and denominator in m² × days"),
            _(
                "Days not for lease, before service, after retirement, or under fit-out "
                "while not let are left out"
            ),
            _("Unexpired holds count as allocated; expired holds and cancellations do not"),
        ],
    )

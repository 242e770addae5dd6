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
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Lookup,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import Industry
from carriers.models import Unit
from carriers.status import AVAILABLE_SOON_DAYS, UnitStatus, occupying_q
from leasing.models import Allocation
from leasing.terms import add_months

ZERO = Decimal(0)
RATIO = Decimal("0.0001")
CENTS = Decimal("0.01")

BASIS_AREA = "area"
BASIS_COUNT = "count"
BASIS_SEATS = "seats"
BASIS_RENT = "rent"

# Signed leases: holds and cancellations are offers, not lettings.
SIGNED = (Allocation.State.ACTIVE, Allocation.State.ENDED)
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


def cents(value: Any) -> Decimal:
    """A sum from the database as a Decimal to the cent (None, for no rows, is 0)."""
    return Decimal(value or 0).quantize(CENTS)


def period_note(start: dt.date, end: dt.date) -> str:
    return _("Period is half-open: from %(start)s up to, not including, %(end)s") % {
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


class _AnyOfSubquery(Lookup):
    """`lhs = ANY(ARRAY(subquery))`: PostgreSQL reads the subquery once, then probes an index.

    For `unit_id IN (SELECT id FROM carriers_unit WHERE ...)` the planner
    tends to hash the units and scan every allocation (or every unit) to
    join them; with the ids as an array it walks the (unit_id, start) index
    of just those units instead: the same rows, about ten times faster for
    one carrier.
    """

    lookup_name = "any_of_subquery"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


# Set by few_units(): the units asked about are few (one carrier's), so probing
# the allocation index unit by unit beats the planner's hash join.
_FEW_UNITS: ContextVar[bool] = ContextVar("few_units", default=False)


@contextmanager
def few_units() -> Iterator[None]:
    """Within it, allocations are found unit by unit (PostgreSQL): for one carrier's units.

    Over a district's hundred thousand units the hash join is faster (by
    about 13% for its summary), so this is not the default.
    """
    token = _FEW_UNITS.set(True)
    try:
        yield
    finally:
        _FEW_UNITS.reset(token)


def of_units(field: str, units: QuerySet[Unit]) -> Q | Lookup:
    """Rows whose `field` (a unit id) is one of `units`: a filter for .filter()."""
    if _FEW_UNITS.get() and connections[units.db].vendor == "postgresql":
        return _AnyOfSubquery(F(field), units.order_by().values("pk"))
    return Q(**{f"{field}__in": units})


def _of_industry(prefix: str, industry: str | None) -> Q:
    """Allocations (at `prefix`) to companies of the industry; all of them for None."""
    return Q(**{f"{prefix}tenant__industry": industry}) if industry else Q()


def industry_note(industry: str | None) -> list[str]:
    if not industry:
        return []
    return [
        _("Only space allocated to companies in %(industry)s")
        % {"industry": Industry(industry).label}
    ]


def _in_incubation(prefix: str, day: dt.date) -> Q:
    """The company at `prefix` is in incubation on the day (Tenant.in_incubation_on)."""
    p = prefix
    return (
        Q(**{f"{p}incubation_entered_on__lte": day})
        & (Q(**{f"{p}graduated_on__isnull": True}) | Q(**{f"{p}graduated_on__gt": day}))
        & (Q(**{f"{p}moved_out_on__isnull": True}) | Q(**{f"{p}moved_out_on__gt": day}))
    )


def _per_status(industry: str | None, day: dt.date) -> dict[str, Any]:
    """The aggregates taken for each status (the query groups by status).

    Grouping by the status, rather than filtering each sum on it, lets the
    database work out each unit's status once instead of once per sum.
    With an industry, `mine_*` count only units allocated to companies of
    that industry; the base (and vacancy) stays the whole leasable space.
    """
    area = DecimalField(max_digits=20, decimal_places=2)
    mine = _of_industry("covering__", industry)
    return {
        # Prefixed: an annotation may not take the name of a field it sums.
        "s_n": Count("pk"),
        "s_area": Sum("gross_area", output_field=area),
        "s_seats": Sum("seats"),
        "s_mine_n": Count("pk", filter=mine),
        "s_mine_area": Sum("gross_area", filter=mine, output_field=area),
        "s_mine_seats": Sum("seats", filter=mine),
        "s_turnkey": Count("pk", filter=Q(turnkey=True)),
        "s_rent_let": Sum(_money(F("current_rent") * F("gross_area")), filter=mine),
        "s_rent_list": Sum(_money(F("list_rent") * F("gross_area"))),
        "s_incubatee_area": Sum(
            "gross_area",
            filter=mine & _in_incubation("covering__tenant__", day),
            output_field=area,
        ),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-status rows → the flat totals _figures reads (statuses with no row are 0)."""
    t: dict[str, Any] = {}
    for status in UnitStatus.values:
        for key in ("n", "area", "seats", "mine_n", "mine_area", "mine_seats"):
            t[f"{key}_{status}"] = 0
    t["turnkey_vacant"] = 0
    t["rent_let"] = t["rent_list"] = t["incubatee_area"] = ZERO
    for row in rows:
        status = row["status"]
        for key in ("n", "area", "seats", "mine_n", "mine_area", "mine_seats"):
            t[f"{key}_{status}"] = row[f"s_{key}"] or 0
        if status == UnitStatus.VACANT:
            t["turnkey_vacant"] = row["s_turnkey"]
        if status in LET:
            t["rent_let"] += Decimal(row["s_rent_let"] or 0)
            t["incubatee_area"] += cents(row["s_incubatee_area"])
        if status in BASE:
            t["rent_list"] += Decimal(row["s_rent_list"] or 0)
    return t


def _with_rent(units: QuerySet[Unit], day: dt.date, now: dt.datetime) -> QuerySet[Unit]:
    qs = units.with_status(day, now=now).annotate(current_rent=F("covering__contracted_rent"))
    return qs.order_by()


def _exclusions(totals: dict[str, Any]) -> list[str]:
    labels = {
        UnitStatus.NOT_FOR_LEASE: _("Not for lease: %(n)s units, %(area)s m²"),
        UnitStatus.RETIRED: _("Retired: %(n)s units, %(area)s m²"),
        UnitStatus.PLANNED: _("Not yet in service: %(n)s units, %(area)s m²"),
        UnitStatus.NOT_READY: _("Under fit-out, not let (not ready): %(n)s units, %(area)s m²"),
    }
    return [
        label % {"n": totals[f"n_{status}"], "area": cents(totals[f"area_{status}"])}
        for status, label in labels.items()
    ]


def occupancy_on(
    units: QuerySet[Unit],
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    industry: str | None = None,
) -> dict[str, Figure]:
    """Occupancy, vacancy, exposure and turnkey readiness on a date: one query.

    With a tenant industry, occupancy, economic occupancy and exposure count
    only space allocated to companies of that industry, out of all the
    leasable space: the industry's share of it.
    """
    rows = _with_rent(units, day, now or timezone.now()).values("status")
    return _figures(_totals(list(rows.annotate(**_per_status(industry, day)))), day, industry)


# How occupancy_by groups units: the group's name → the unit column holding its id.
GROUPS = {"carrier": "carrier_id", "building": "floor__building_id", "floor": "floor_id"}


def occupancy_by(
    units: QuerySet[Unit],
    day: dt.date,
    by: str,
    *,
    now: dt.datetime | None = None,
    industry: str | None = None,
) -> dict[int, dict[str, Figure]]:
    """occupancy_on for each carrier, building or floor of `units`: one grouped query.

    Groups with no units at all are absent; the caller decides how to show them.
    """
    return occupancy_by_each(units, day, (by,), now=now, industry=industry)[by]


def occupancy_by_each(
    units: QuerySet[Unit],
    day: dt.date,
    groupings: tuple[str, ...],
    *,
    now: dt.datetime | None = None,
    industry: str | None = None,
) -> dict[str, dict[int, dict[str, Figure]]]:
    """occupancy_by for each of several groupings (say floor and building): one query.

    The query groups by all their columns at once; each grouping then adds
    up the rows of its groups, status by status. The figures are sums and
    counts, so they come out as occupancy_by's for each grouping alone.
    """
    columns = [GROUPS[by] for by in groupings]
    rows = _with_rent(units, day, now or timezone.now()).values(*columns, "status")
    per_status: dict[str, dict[tuple[int, str], dict[str, Any]]] = {by: {} for by in groupings}
    for row in rows.annotate(**_per_status(industry, day)):
        for by, column in zip(groupings, columns, strict=True):
            key = (row[column], row["status"])
            seen = per_status[by].get(key)
            per_status[by][key] = row if seen is None else _add_rows(seen, row)
    result: dict[str, dict[int, dict[str, Figure]]] = {}
    for by, merged in per_status.items():
        groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for (group, _status), row in merged.items():
            groups[group].append(row)
        result[by] = {key: _figures(_totals(group), day, industry) for key, group in groups.items()}
    return result


def _add_rows(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two rows of _per_status's aggregates for one status, added as SQL's SUM would."""
    total = dict(a)
    for key, value in b.items():
        if key.startswith("s_") and value is not None:
            total[key] = value if a[key] is None else a[key] + value
    return total


def _figures(t: dict[str, Any], day: dt.date, industry: str | None = None) -> dict[str, Figure]:
    excludes = [
        *_exclusions(t),
        _("Unexpired holds count as allocated; expired holds and cancellations do not"),
    ]
    mine_excludes = [*excludes, *industry_note(industry)]

    def total(prefix: str, statuses: tuple[str, ...]) -> Decimal:
        return sum((cents(t[f"{prefix}_{s}"]) for s in statuses), ZERO)

    def figure(name: str, num: Decimal, den: Decimal, basis: str, extra: list[str]) -> Figure:
        return Figure(name, ratio(num, den), num, den, basis, on=day, excludes=extra)

    figures: dict[str, Figure] = {}
    for basis, prefix in ((BASIS_AREA, "area"), (BASIS_COUNT, "n"), (BASIS_SEATS, "seats")):
        allocated, base = total(prefix, ALLOCATED), total(prefix, BASE)
        mine = total(f"mine_{prefix}", ALLOCATED)
        figures[f"occupancy_{basis}"] = figure(
            f"occupancy_{basis}", mine, base, basis, mine_excludes
        )
        figures[f"vacancy_{basis}"] = figure(
            f"vacancy_{basis}", base - allocated, base, basis, excludes
        )
    rent_excludes = [
        *_exclusions(t),
        _("Holds earn no rent: only signed leases count in contracted rent"),
        _("Contracted and list rent weighted by gross area, before rent-free months"),
        *mine_excludes[len(excludes) :],  # the industry, if one is asked for
    ]
    figures["occupancy_economic"] = figure(
        "occupancy_economic", cents(t["rent_let"]), cents(t["rent_list"]), BASIS_RENT, rent_excludes
    )
    figures["exposure_area"] = figure(
        "exposure_area",
        cents(t[f"mine_area_{UnitStatus.AVAILABLE_SOON}"]),
        total("area", BASE),
        BASIS_AREA,
        [
            *mine_excludes,
            _(
                "Leases ending within %(days)s days with no renewal from their end; "
                "share of leasable area"
            )
            % {"days": AVAILABLE_SOON_DAYS},
        ],
    )
    figures["incubatee_area_share"] = figure(
        "incubatee_area_share",
        cents(t["incubatee_area"]),
        total("area", BASE),
        BASIS_AREA,
        [
            *mine_excludes,
            _("Let to companies in incubation on the day (entered, not graduated or moved out)"),
            _("National recognition asks for at least 75%"),
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


# --- a monthly trend ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    on: dt.date
    occupancy_area: Decimal | None
    occupancy_count: Decimal | None
    allocated_area: Decimal
    leasable_area: Decimal
    allocated_units: int
    leasable_units: int


def trend_days(end: dt.date, months: int) -> list[dt.date]:
    """end − months … end, one month apart (the same day of the month, clamped)."""
    return [add_months(end, -k) for k in range(months, -1, -1)]


def _sums_by_day(rows: QuerySet[Any], sums: list[tuple[str, str, str]], days: list[dt.date]) -> Any:
    """Conditional sums per day over a row set the ORM built: one query, one pass.

    `rows` is a values() queryset (its scope and the ledger rules stay in the
    ORM); `sums` are (name, SQL expression, SQL condition with %(d)s for the
    day). The sums are SQL text because Django resolves each filtered
    aggregate separately, and a hundred of them took longer to build than
    the query took to run.
    """
    inner, inner_params = rows.query.sql_with_params()
    columns, params = [], []
    for day in days:
        for _name, expression, condition in sums:
            # CASE rather than FILTER: the same on SQLite and PostgreSQL.
            columns.append(f"SUM(CASE WHEN {condition % {'d': '%s'}} THEN {expression} END)")
            params.extend([day] * condition.count("%(d)s"))
    sql = f"SELECT {', '.join(columns)} FROM ({inner}) rows"
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        values = cursor.fetchone()
    width = len(sums)
    return [
        {name: values[i * width + j] for j, (name, _e, _c) in enumerate(sums)}
        for i in range(len(days))
    ]


IN_SERVICE = "svc <= %(d)s AND (ret IS NULL OR ret > %(d)s)"


def occupancy_trend(
    units: QuerySet[Unit],
    end: dt.date,
    *,
    months: int = 24,
    now: dt.datetime | None = None,
    industry: str | None = None,
) -> list[TrendPoint]:
    """Occupancy by area and by count on each month's day up to `end`: two queries.

    Point i equals occupancy_on(units, day_i) on both bases (tested), but the
    days are not asked one by one: one query sums the units that are ready
    and in service on each day, and one sums, for each day, the occupying
    allocations of the units covering it. Occupying allocations of a unit
    never overlap, so each unit counts at most once a day.
    """
    now = now or timezone.now()
    days = trend_days(end, months)
    leasable = units.filter(leasable=True).order_by()
    ready = f"{IN_SERVICE} AND (rdy IS NULL OR rdy <= %(d)s)"
    unit_rows = leasable.values(
        area=F("gross_area"), svc=F("in_service_from"), ret=F("retired_on"), rdy=F("ready_on")
    )
    ready_totals = _sums_by_day(unit_rows, [("a", "area", ready), ("n", "1", ready)], days)

    lease_rows = (
        Allocation.objects.filter(
            occupying_q("", now), of_units("unit_id", leasable), start__lte=days[-1]
        )
        .filter(Q(end__isnull=True) | Q(end__gt=days[0]))
        .order_by()
        .values(
            # 1 when the allocation counts for the industry asked about (all do
            # without one): a unit let to anyone is in the base all the same.
            mine=Case(When(_of_industry("", industry), then=1), default=0)
            if industry
            else Value(1),
            area=F("unit__gross_area"),
            svc=F("unit__in_service_from"),
            ret=F("unit__retired_on"),
            rdy=F("unit__ready_on"),
            s=F("start"),
            e=F("end"),
        )
    )
    covers = f"{IN_SERVICE} AND s <= %(d)s AND (e IS NULL OR e > %(d)s)"
    counted = f"{covers} AND mine = 1"
    # Let while still being made ready: occupied, so in the base (as on a date).
    unready = f"{covers} AND rdy > %(d)s"
    let_totals = _sums_by_day(
        lease_rows,
        [
            ("a", "area", counted),
            ("n", "1", counted),
            ("ua", "area", unready),
            ("un", "1", unready),
        ],
        days,
    )

    points = []
    for day, ready_t, let_t in zip(days, ready_totals, let_totals, strict=True):
        allocated_area, allocated_n = cents(let_t["a"]), int(let_t["n"] or 0)
        base_area = cents(ready_t["a"]) + cents(let_t["ua"])
        base_n = int(ready_t["n"] or 0) + int(let_t["un"] or 0)
        points.append(
            TrendPoint(
                on=day,
                occupancy_area=ratio(allocated_area, base_area),
                occupancy_count=ratio(Decimal(allocated_n), Decimal(base_n)),
                allocated_area=allocated_area,
                leasable_area=base_area,
                allocated_units=allocated_n,
                leasable_units=base_n,
            )
        )
    return points


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
            period_note(start, end),
            _("Numerator and denominator in m² × days"),
            _(
                "Days not for lease, before service, after retirement, or under fit-out "
                "while not let are left out"
            ),
            _("Unexpired holds count as allocated; expired holds and cancellations do not"),
        ],
    )

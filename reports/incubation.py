"""Incubation figures (DESIGN.md §5), against the national recognition thresholds.

An incubatee on a date is a company housed in the units on that date (a
signed lease covers it) that has entered incubation and has neither graduated
nor moved out by then (Tenant.in_incubation_on). Area shares use the same
leasable base as occupancy (reports/metrics.py), so the figures agree.
Each function runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.choices import Industry
from carriers.models import Unit
from leasing.models import Allocation, Qualification, Tenant
from leasing.terms import add_months
from reports.metrics import (
    BASIS_AREA,
    BASIS_COUNT,
    LET,
    SIGNED,
    ZERO,
    Figure,
    _of_industry,
    cents,
    industry_note,
    occupancy_on,
    period_note,
    ratio,
)

# Longer incubation allowed for these industries (48 months otherwise).
LONG_INCUBATION = {Industry.BIOMEDICINE, Industry.INTEGRATED_CIRCUITS, Industry.MODERN_AGRICULTURE}
MONTHS_LIMIT, MONTHS_LIMIT_LONG = 48, 60


@dataclass(frozen=True)
class Threshold:
    """A line of the national recognition scorecard."""

    figure: str
    limit: Decimal
    at_least: bool  # True: the figure must be ≥ limit; False: ≤ limit
    text: str

    def passes(self, value: Decimal | None) -> bool | None:
        if value is None:
            return None
        return value >= self.limit if self.at_least else value <= self.limit

    def judge(self, figure: Figure) -> bool | None:
        """passes() on the exact ratio, not the rounded value (74.996 % is not 75 %)."""
        if figure.value is None:
            return None
        if (
            figure.basis in (BASIS_AREA, BASIS_COUNT)
            and figure.denominator
            and (figure.name != "incubatees_over_limit")
        ):
            return self.passes(figure.numerator / figure.denominator)
        return self.passes(figure.value)


THRESHOLDS = [
    Threshold(
        "incubatee_area_share",
        Decimal("0.75"),
        True,
        # xgettext:no-python-format
        gettext_lazy("≥ 75% of the incubation area used by incubatees"),
    ),
    Threshold(
        "incubatees_per_1000m2", Decimal(3), True, gettext_lazy("≥ 3 incubatees per 1,000 m²")
    ),
    Threshold("area_per_incubatee", Decimal(1000), False, gettext_lazy("≤ 1,000 m² per incubatee")),
    Threshold(
        "incubatees_over_limit",
        Decimal(0),
        False,
        gettext_lazy("No incubatee past 48 months (60 for biomedicine, IC, modern agriculture)"),
    ),
]


def housed_on(
    units: QuerySet[Unit], day: dt.date, *, industry: str | None = None
) -> QuerySet[Tenant]:
    """Companies (of the industry, if given) with a signed lease covering the date on the units."""
    covering = Allocation.objects.filter(
        tenant_id=OuterRef("pk"), unit__in=units, state__in=SIGNED, start__lte=day
    ).filter(Q(end__isnull=True) | Q(end__gt=day))
    tenants = Tenant.objects.filter(industry=industry) if industry else Tenant.objects.all()
    return tenants.filter(Exists(covering))


def _months_between(start: dt.date, day: dt.date) -> Decimal:
    """Whole and part months, counted as days ÷ (365.25 ÷ 12)."""
    return (Decimal((day - start).days) / Decimal("30.4375")).quantize(Decimal("0.1"))


def incubation_on(
    units: QuerySet[Unit],
    day: dt.date,
    *,
    occupancy: dict[str, Figure] | None = None,
    industry: str | None = None,
) -> dict[str, Figure]:
    """Incubatees, their density and area, months in incubation, staff density: 1 query.

    The incubatee area share is one of occupancy_on's figures (the same
    grouped query); pass `occupancy` if the caller has it, or it is asked for.
    The housed companies come back one row each and are counted here.
    """
    if occupancy is None:
        occupancy = occupancy_on(units, day, industry=industry)
    share = occupancy["incubatee_area_share"]
    base, incubatee_area = share.denominator, share.numerator
    allocated_area = occupancy["occupancy_area"].numerator
    housed = housed_on(units, day, industry=industry).values_list(
        "employees", "rd_staff", "incubation_entered_on", "graduated_on", "moved_out_on", "industry"
    )
    employees = rd_staff = 0
    months: list[Decimal] = []
    over = 0
    for staff, rd, entered, graduated, moved_out, line in housed:
        employees += staff
        rd_staff += rd
        ends = [d for d in (graduated, moved_out) if d]
        if entered and entered <= day and (not ends or day < min(ends)):
            months.append(_months_between(entered, day))
            # Past the limit from the calendar day the limit's months end on.
            limit = MONTHS_LIMIT_LONG if line in LONG_INCUBATION else MONTHS_LIMIT
            over += day >= add_months(entered, limit)
    n = Decimal(len(months))
    thousand = Decimal(1000)
    who = _("Incubatees: housed companies that entered incubation and have not graduated")
    who = " · ".join([who, *industry_note(industry)])
    on_base = _("Of the leasable area, as occupancy by area")
    per_allocated = _("Per 1,000 m² allocated (let or held) on the day")

    def fig(name: str, num: Decimal, den: Decimal, basis: str, notes: list[str]) -> Figure:
        return Figure(name, ratio(num, den), num, den, basis, on=day, excludes=notes)

    def count(name: str, value: int, of: Decimal, notes: list[str]) -> Figure:
        return Figure(name, Decimal(value), Decimal(value), of, BASIS_COUNT, on=day, excludes=notes)

    median_months = Decimal(str(statistics.median(months))) if months else None
    return {
        "incubatees": count("incubatees", len(months), Decimal(1), [who]),
        "incubatees_per_1000m2": fig(
            "incubatees_per_1000m2", n, base / thousand, BASIS_COUNT, [who, on_base]
        ),
        "area_per_incubatee": fig(
            "area_per_incubatee", incubatee_area, n, BASIS_AREA, [who, _("m² let per incubatee")]
        ),
        "months_in_incubation_median": Figure(
            "months_in_incubation_median",
            median_months,
            Decimal(sum(months)),
            n,
            "months",
            on=day,
            excludes=[who],
        ),
        "incubatees_over_limit": count(
            "incubatees_over_limit",
            over,
            n,
            [who, _("Limit 48 months; 60 for biomedicine, IC and modern agriculture")],
        ),
        "employees_per_1000m2": fig(
            "employees_per_1000m2",
            Decimal(employees),
            allocated_area / thousand,
            BASIS_AREA,
            [_("Employees of housed companies"), per_allocated],
        ),
        "rd_staff_per_1000m2": fig(
            "rd_staff_per_1000m2",
            Decimal(rd_staff),
            allocated_area / thousand,
            BASIS_AREA,
            [
                _("R&D staff of housed companies"),
                per_allocated,
                _("Patents are not recorded in Zaiti"),
            ],
        ),
    }


def incubation_period(
    units: QuerySet[Unit], start: dt.date, end: dt.date, *, industry: str | None = None
) -> dict[str, Figure]:
    """Graduates and upgrades (tech SME → high-tech enterprise) in [start, end): 2 queries.

    A company counts for the units if it was housed in them on the day before
    the event (graduation) or on the day of it (a new qualification).
    """
    period = (start, end)
    # Both counts start from the units' signed leases, so the database walks
    # the units asked about rather than every company of the district.
    leases = Allocation.objects.filter(_of_industry("", industry), unit__in=units, state__in=SIGNED)
    graduates = (
        leases.filter(
            tenant__graduated_on__gte=start,
            tenant__graduated_on__lt=end,
            start__lt=F("tenant__graduated_on"),
        )
        .filter(Q(end__isnull=True) | Q(end__gte=F("tenant__graduated_on")))
        .values("tenant_id")
        .distinct()
        .count()
    )
    # Built from the qualification, so the lease and the earlier tech-SME
    # record are both checked against this very qualification's date.
    housed_then = leases.filter(tenant_id=OuterRef("tenant_id"), start__lte=OuterRef("valid_from"))
    housed_then = housed_then.filter(Q(end__isnull=True) | Q(end__gt=OuterRef("valid_from")))
    sme_before = Qualification.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        kind=Qualification.Kind.TECH_SME,
        valid_from__lt=OuterRef("valid_from"),
    )
    upgrades = (
        Qualification.objects.filter(
            kind=Qualification.Kind.HIGH_TECH, valid_from__gte=start, valid_from__lt=end
        )
        # Only the units' companies: lets the database start from them, not
        # from every qualification of the district.
        .filter(tenant_id__in=leases.values("tenant_id"))
        .filter(Exists(housed_then), Exists(sme_before))
        .values("tenant_id")
        .distinct()
        .count()
    )
    note = period_note(start, end)
    return {
        "graduates": Figure(
            "graduates",
            Decimal(graduates),
            Decimal(graduates),
            Decimal(1),
            BASIS_COUNT,
            period=period,
            excludes=[note, _("Companies housed in these units when they graduated")],
        ),
        "upgrades": Figure(
            "upgrades",
            Decimal(upgrades),
            Decimal(upgrades),
            Decimal(1),
            BASIS_COUNT,
            period=period,
            excludes=[
                note,
                _("Recognised as high-tech enterprises in the period after being tech SMEs"),
            ],
        ),
    }


def tiers_on(units: QuerySet[Unit], day: dt.date) -> dict[str, int]:
    """Housed companies holding each qualification on the date: 1 query."""
    counts = dict.fromkeys(Qualification.Kind.values, 0)
    rows = (
        Qualification.objects.filter(tenant__in=housed_on(units, day), valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .order_by()
        .values("kind")
        .annotate(n=Count("tenant_id", distinct=True))
    )
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def industry_mix_on(units: QuerySet[Unit], day: dt.date) -> dict[str, Decimal]:
    """Area let on the date, by the tenant's industry: 1 query."""
    rows = (
        units.with_status(day)
        .filter(status__in=LET)
        .order_by()
        .values("covering__tenant__industry")
        .annotate(area=Sum("gross_area"))
    )
    mix = dict.fromkeys(Industry.values, ZERO)
    mix.update({row["covering__tenant__industry"]: cents(row["area"]) for row in rows})
    return mix

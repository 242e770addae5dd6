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

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carriers.choices import Industry
from carriers.models import Unit
from leasing.models import Allocation, Qualification, Tenant
from reports.metrics import (
    BASIS_AREA,
    BASIS_COUNT,
    LET,
    ZERO,
    Figure,
    cents,
    occupancy_on,
    ratio,
)

SIGNED = (Allocation.State.ACTIVE, Allocation.State.ENDED)
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


THRESHOLDS = [
    Threshold(
        "incubatee_area_share",
        Decimal("0.75"),
        True,
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


def _in_incubation(prefix: str, day: dt.date) -> Q:
    p = prefix
    return (
        Q(**{f"{p}incubation_entered_on__lte": day})
        & (Q(**{f"{p}graduated_on__isnull": True}) | Q(**{f"{p}graduated_on__gt": day}))
        & (Q(**{f"{p}moved_out_on__isnull": True}) | Q(**{f"{p}moved_out_on__gt": day}))
    )


def housed_on(units: QuerySet[Unit], day: dt.date) -> QuerySet[Tenant]:
    """Companies with a signed lease covering the date on one of the units."""
    covering = Allocation.objects.filter(
        tenant_id=OuterRef("pk"), unit__in=units, state__in=SIGNED, start__lte=day
    ).filter(Q(end__isnull=True) | Q(end__gt=day))
    return Tenant.objects.filter(Exists(covering))


def _months_between(start: dt.date, day: dt.date) -> Decimal:
    """Whole and part months, counted as days ÷ (365.25 ÷ 12)."""
    return (Decimal((day - start).days) / Decimal("30.4375")).quantize(Decimal("0.1"))


def incubation_on(
    units: QuerySet[Unit], day: dt.date, *, base: Decimal | None = None
) -> dict[str, Figure]:
    """Incubatee share and density, area per incubatee, months in incubation: 3–4 queries.

    `base` is the leasable area on the day, if the caller has it already
    (occupancy_on's denominator by area); otherwise it is asked for.
    """
    area = DecimalField(max_digits=20, decimal_places=2)
    # Grouped by status, so each unit's status is worked out once (see metrics._per_status).
    rows = (
        units.with_status(day)
        .filter(status__in=LET)
        .order_by()
        .values("status")
        .annotate(
            s_incubatee=Sum(
                "gross_area", filter=_in_incubation("covering__tenant__", day), output_field=area
            ),
            s_let=Sum("gross_area", output_field=area),
        )
    )
    incubatee_area = sum((cents(r["s_incubatee"]) for r in rows), ZERO)
    let_area = sum((cents(r["s_let"]) for r in rows), ZERO)
    if base is None:
        base = occupancy_on(units, day)["occupancy_area"].denominator
    housed = housed_on(units, day)
    people = housed.aggregate(employees=Sum("employees"), rd=Sum("rd_staff"), n=Count("pk"))
    incubatees = list(
        housed.filter(_in_incubation("", day)).values_list("incubation_entered_on", "industry")
    )
    n = Decimal(len(incubatees))
    months = [_months_between(entered, day) for entered, _industry in incubatees]
    over = sum(
        1
        for (_entered, industry), m in zip(incubatees, months, strict=True)
        if m > (MONTHS_LIMIT_LONG if industry in LONG_INCUBATION else MONTHS_LIMIT)
    )
    thousand = Decimal(1000)
    per_thousand = base / thousand if base else ZERO
    let_thousand = let_area / thousand if let_area else ZERO
    who = _("Incubatees: housed companies that entered incubation and have not graduated")
    on_base = _("Of the leasable area, as occupancy by area")

    def fig(name: str, num: Decimal, den: Decimal, basis: str, notes: list[str]) -> Figure:
        value = ratio(num, den) if name != "incubatees" else num
        return Figure(name, value, num, den, basis, on=day, excludes=notes)

    median_months = Decimal(str(statistics.median(months))) if months else None
    return {
        "incubatees": fig("incubatees", n, Decimal(1), BASIS_COUNT, [who]),
        "incubatee_area_share": fig(
            "incubatee_area_share", incubatee_area, base, BASIS_AREA, [who, on_base]
        ),
        "incubatees_per_1000m2": fig(
            "incubatees_per_1000m2", n, per_thousand, BASIS_COUNT, [who, on_base]
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
        "incubatees_over_limit": Figure(
            "incubatees_over_limit",
            Decimal(over),
            Decimal(over),
            n,
            BASIS_COUNT,
            on=day,
            excludes=[who, _("Limit 48 months; 60 for biomedicine, IC and modern agriculture")],
        ),
        "employees_per_1000m2": fig(
            "employees_per_1000m2",
            Decimal(people["employees"] or 0),
            let_thousand,
            BASIS_AREA,
            [_("Employees of housed companies per 1,000 m² let")],
        ),
        "rd_staff_per_1000m2": fig(
            "rd_staff_per_1000m2",
            Decimal(people["rd"] or 0),
            let_thousand,
            BASIS_AREA,
            [
                _("R&D staff of housed companies per 1,000 m² let"),
                _("Patents are not recorded in Zaiti"),
            ],
        ),
    }


def incubation_period(units: QuerySet[Unit], start: dt.date, end: dt.date) -> dict[str, Figure]:
    """Graduates and upgrades (tech SME → high-tech enterprise) in [start, end): 2 queries.

    A company counts for the units if it was housed in them on the day before
    the event (graduation) or on the day of it (a new qualification).
    """
    period = (start, end)
    graduated = Tenant.objects.filter(graduated_on__gte=start, graduated_on__lt=end)
    in_units_before = Allocation.objects.filter(
        tenant_id=OuterRef("pk"), unit__in=units, state__in=SIGNED
    ).filter(
        Q(start__lt=OuterRef("graduated_on"))
        & (Q(end__isnull=True) | Q(end__gte=OuterRef("graduated_on")))
    )
    graduates = graduated.filter(Exists(in_units_before)).count()
    sme_before = Qualification.objects.filter(
        tenant_id=OuterRef("tenant_id"),
        kind=Qualification.Kind.TECH_SME,
        valid_from__lt=OuterRef("valid_from"),
    )
    housed_then = Allocation.objects.filter(
        tenant_id=OuterRef("tenant_id"), unit__in=units, state__in=SIGNED
    ).filter(
        Q(start__lte=OuterRef("valid_from"))
        & (Q(end__isnull=True) | Q(end__gt=OuterRef("valid_from")))
    )
    upgrades = (
        Qualification.objects.filter(
            kind=Qualification.Kind.HIGH_TECH, valid_from__gte=start, valid_from__lt=end
        )
        .filter(Exists(sme_before), Exists(housed_then))
        .values("tenant_id")
        .distinct()
        .count()
    )
    note = _("Period is half-open: from %(start)s up to, not including, %(end)s") % {
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
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

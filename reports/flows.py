"""Figures over a period: how fast space is let and requests are filled, and what moves.

Each function takes any set of units and a half-open period [start, end) and
runs a fixed number of queries whatever the number of units, leases or
requests. Medians are taken here from the rows the database returns (one row
per letting or request in the period), because SQLite has no median.

Leases here are signed allocations (active or ended): holds and cancellations
are offers, not lettings.
"""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import Unit
from leasing.models import Allocation
from reports.metrics import (
    BASIS_AREA,
    BASIS_COUNT,
    SIGNED,
    Figure,
    _of_industry,
    cents,
    industry_note,
    of_units,
    period_note,
    ratio,
)

BASIS_DAYS = "days"


def _median(
    name: str, values: list[int], start: dt.date, end: dt.date, excludes: list[str]
) -> Figure:
    """A median in days; numerator and denominator are the total days and the sample size."""
    value = Decimal(str(statistics.median(values))) if values else None
    return Figure(
        name,
        value,
        Decimal(sum(values)),
        Decimal(len(values)),
        BASIS_DAYS,
        period=(start, end),
        excludes=[period_note(start, end), *excludes],
    )


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def time_to_fill(
    units: QuerySet[Unit], start: dt.date, end: dt.date, *, industry: str | None = None
) -> dict[str, Figure]:
    """Days from a request's submission to its lease's start, and to its first offer: 2 queries.

    A request counts in the period its lease starts in (time to fill) or its
    first offer was made in (time to first offer), on a unit of `units`.
    """
    return time_to_fill_over(units, [(start, end)], industry=industry)[0]


def time_to_fill_over(
    units: QuerySet[Unit],
    periods: list[tuple[dt.date, dt.date]],
    *,
    industry: str | None = None,
) -> list[dict[str, Figure]]:
    """time_to_fill for several periods (e.g. this year, a month ago, a year ago): 2 queries.

    The rows of the span covering every period are read once and sorted
    into the periods here.
    """
    lo, hi = min(p[0] for p in periods), max(p[1] for p in periods)
    ledger = Allocation.objects.filter(_of_industry("", industry))
    filled = (
        ledger.filter(
            of_units("unit_id", units),
            state__in=SIGNED,
            request__isnull=False,
            start__gte=lo,
            start__lt=hi,
        )
        .order_by()
        .values_list("start", "request__submitted_at")
    )
    fills = [(begins, (begins - _local_day(submitted)).days) for begins, submitted in filled]
    offered = (
        ledger.filter(of_units("unit_id", units), request__isnull=False)
        .order_by()
        .values("request_id")
        .annotate(first_offer=Min("created_at"), submitted_at=Min("request__submitted_at"))
        .filter(first_offer__date__gte=lo, first_offer__date__lt=hi)
        .values_list("first_offer", "submitted_at")
    )
    offers = [
        (_local_day(first), (_local_day(first) - _local_day(sub)).days) for first, sub in offered
    ]
    offer_note = _("Requests whose first offer was made in the period; days from submission")
    results = []
    for start, end in periods:
        results.append(
            {
                "time_to_fill_days": _median(
                    "time_to_fill_days",
                    [d for day, d in fills if start <= day < end],
                    start,
                    end,
                    [
                        _("Requests whose signed lease starts in the period; days from submission"),
                        _("Units let without a request in Zaiti are left out"),
                        *industry_note(industry),
                    ],
                ),
                "time_to_first_offer_days": _median(
                    "time_to_first_offer_days",
                    [d for day, d in offers if start <= day < end],
                    start,
                    end,
                    [
                        offer_note,
                        *industry_note(industry),
                    ],
                ),
            }
        )
    return results


def vacancy_spells(units: QuerySet[Unit], start: dt.date, end: dt.date) -> dict[str, Figure]:
    """Days a unit stood empty between two leases, for lettings starting in the period: 1 query.

    A spell runs from the previous lease's end to the next lease's start. The
    part before the unit's ready date is the days to get ready (make-ready for
    turnkey move-in); the rest is the days to let.
    """
    # A correlated subquery, not a window: filters on a window query would apply
    # the period to the rows the window sees and hide each letting's predecessor.
    previous_end = Subquery(
        Allocation.objects.filter(
            unit_id=OuterRef("unit_id"), state__in=SIGNED, start__lt=OuterRef("start")
        )
        .order_by("-start")
        .values("end")[:1]
    )
    lettings = (
        Allocation.objects.filter(of_units("unit_id", units), state__in=SIGNED)
        .annotate(previous_end=previous_end)
        .filter(start__gte=start, start__lt=end, previous_end__lt=F("start"))
        .order_by()
        .values_list("previous_end", "start", "unit__ready_on")
    )
    spells, getting_ready, letting = [], [], []
    for was_free, let_on, ready_on in lettings:
        spell = (let_on - was_free).days
        ready_days = 0
        if ready_on and was_free < ready_on <= let_on:
            ready_days = (ready_on - was_free).days
        spells.append(spell)
        getting_ready.append(ready_days)
        letting.append(spell - ready_days)
    common = [
        _("Spells between two leases of a unit, ended by a letting in the period"),
        _("A unit's first letting and spells still open are left out; renewals have no spell"),
    ]
    ready_note = _("Only a unit's latest ready date is known: earlier make-ready counts as letting")
    return {
        "vacancy_spell_days": _median("vacancy_spell_days", spells, start, end, common),
        "days_to_get_ready": _median(
            "days_to_get_ready", getting_ready, start, end, [*common, ready_note]
        ),
        "days_to_let": _median("days_to_let", letting, start, end, [*common, ready_note]),
    }


def churn_and_absorption(
    units: QuerySet[Unit], start: dt.date, end: dt.date, *, industry: str | None = None
) -> dict[str, Figure]:
    """Churn = move-outs in the period ÷ leases running at its start; net absorption in m².

    One query. A renewal (a lease of the same unit and tenant starting the day
    the previous one ends) is neither a move-out nor a move-in.
    """
    leases = Allocation.objects.filter(state__in=SIGNED)
    renewed = leases.filter(
        unit_id=OuterRef("unit_id"), tenant_id=OuterRef("tenant_id"), start=OuterRef("end")
    )
    renewing = leases.filter(
        unit_id=OuterRef("unit_id"), tenant_id=OuterRef("tenant_id"), end=OuterRef("start")
    )
    area = DecimalField(max_digits=20, decimal_places=2)
    # The renewal checks sit inside the conditions, after the date tests, so
    # the database looks for a renewal only for leases moving in or out.
    moved_in = Q(start__gte=start, start__lt=end) & ~Exists(renewing)
    moved_out = Q(end__gte=start, end__lt=end) & ~Exists(renewed)
    running = Q(start__lte=start) & (Q(end__isnull=True) | Q(end__gt=start))
    t: dict[str, Any] = (
        leases.filter(_of_industry("", industry), of_units("unit_id", units))
        # Only leases that touch the period can count in any of the sums.
        .filter(Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gte=start)))
        .order_by()
        .aggregate(
            running=Count("pk", filter=running),
            out_n=Count("pk", filter=moved_out),
            in_area=Sum("unit__gross_area", filter=moved_in, output_field=area),
            out_area=Sum("unit__gross_area", filter=moved_out, output_field=area),
        )
    )
    in_area, out_area = cents(t["in_area"]), cents(t["out_area"])
    note = _("Renewals by the same tenant are neither move-ins nor move-outs")
    notes = [note, *industry_note(industry)]
    period = (start, end)

    def area_figure(name: str, value: Decimal, extra: list[str]) -> Figure:
        return Figure(
            name, value, value, Decimal(1), BASIS_AREA, period=period, excludes=[*extra, *notes]
        )

    return {
        "churn": Figure(
            "churn",
            ratio(Decimal(t["out_n"]), Decimal(t["running"])),
            Decimal(t["out_n"]),
            Decimal(t["running"]),
            BASIS_COUNT,
            period=period,
            excludes=[
                period_note(start, end),
                _("Leases ending in the period ÷ leases running on its first day"),
                *notes,
            ],
        ),
        "moved_in_area": area_figure(
            "moved_in_area", in_area, [_("Gross area of leases starting in the period")]
        ),
        "moved_out_area": area_figure(
            "moved_out_area", out_area, [_("Gross area of leases ending in the period")]
        ),
        "net_absorption_area": area_figure(
            "net_absorption_area",
            in_area - out_area,
            [_("Area moved in minus area moved out, in m²")],
        ),
    }

"""Candidate units for a space request, ranked, each with its score and reasons.

A candidate is free for the request's whole term — [move-in, move-in + term) —
in the ledger (units whose lease ends before move-in qualify), in service and
for lease throughout, and within a band around the requested area. The score
(0–100) is computed in the database in the same query that finds the
candidates, so ranking 120,000 units is one query (two if few of the best are
free), plus one to load the winners; the reasons are read off the units
without touching the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.choices import Industry
from carriers.models import Unit
from leasing.models import Allocation, SpaceRequest
from leasing.terms import add_months

# Units this far outside the requested area are not candidates at all.
AREA_BAND_LOW = Decimal("0.8")
AREA_BAND_HIGH = Decimal("1.25")
# Kinds that can stand in for each other, for part of the kind score.
KIN = {
    Unit.Kind.OFFICE: {Unit.Kind.COWORKING},
    Unit.Kind.COWORKING: {Unit.Kind.OFFICE},
    Unit.Kind.LAB: {Unit.Kind.CLEANROOM, Unit.Kind.WORKSHOP},
    Unit.Kind.CLEANROOM: {Unit.Kind.LAB},
    Unit.Kind.WORKSHOP: {Unit.Kind.LAB, Unit.Kind.WAREHOUSE},
    Unit.Kind.WAREHOUSE: {Unit.Kind.WORKSHOP},
}
WEIGHTS = {
    "area": 25,
    "kind": 20,
    "ready": 15,
    "carrier": 15,
    "industry": 10,
    "rent": 10,
    "seats": 5,
}
# rank_candidates checks the best limit × WINDOW_FACTOR (at least WINDOW_MIN)
# units of the area band against the ledger (see there).
WINDOW_FACTOR = 10
WINDOW_MIN = 100


@dataclass
class Candidate:
    unit: Unit
    score: int
    reasons: list[str] = field(default_factory=list)


def request_term(request: SpaceRequest) -> tuple[dt.date, dt.date]:
    return request.move_in_on, add_months(request.move_in_on, request.term_months)


def available_units(
    units: QuerySet[Unit], start: dt.date, end: dt.date, *, now: dt.datetime | None = None
) -> QuerySet[Unit]:
    """Units free in the ledger for all of [start, end), in service and for lease."""
    return _in_service(units, start, end).exclude(Exists(_taken(start, end, now=now)))


def _in_service(units: QuerySet[Unit], start: dt.date, end: dt.date) -> QuerySet[Unit]:
    """Units in service and for lease for all of [start, end), whatever the ledger says."""
    return units.filter(
        Q(retired_on__isnull=True) | Q(retired_on__gte=end),
        leasable=True,
        in_service_from__lte=start,
    )


def _taken(start: dt.date, end: dt.date, *, now: dt.datetime | None) -> QuerySet[Allocation]:
    """The ledger rows that keep the outer unit from being free for [start, end)."""
    return (
        Allocation.objects.filter(unit=OuterRef("pk"))
        .occupying(now=now or timezone.now())
        .overlapping(start, end)
    )


def _score_expressions(request: SpaceRequest, preferred: list[int], start: dt.date) -> dict:
    w = WEIGHTS
    lo, hi = request.area_min, request.area_max
    money = DecimalField(max_digits=12, decimal_places=2)
    # Area: full marks inside [min, max], falling linearly to 0 at the band's edge.
    area_gap = Greatest(
        ExpressionWrapper(Value(lo) - F("gross_area"), output_field=money),
        ExpressionWrapper(F("gross_area") - Value(hi), output_field=money),
        Value(Decimal(0), output_field=money),
    )
    band = max(lo * (1 - AREA_BAND_LOW), hi * (AREA_BAND_HIGH - 1), Decimal("1"))
    kin = sorted(KIN.get(request.unit_kind, set()))
    ready_by_start = Q(ready_on__isnull=True) | Q(ready_on__lte=start)
    if request.fit_out == SpaceRequest.FitOut.TURNKEY:
        ready = Case(
            When(Q(turnkey=True) & ready_by_start, then=Value(w["ready"])),
            When(turnkey=True, then=Value(w["ready"] // 3)),
            default=Value(0),
        )
    else:  # tailored: a shell to fit out suits best, a furnished unit less so
        ready = Case(When(turnkey=False, then=Value(w["ready"])), default=Value(w["ready"] // 2))
    if preferred:
        carrier = Case(When(carrier_id__in=preferred, then=Value(w["carrier"])), default=Value(0))
    else:
        carrier = Value(w["carrier"] // 2)
    industry = Case(
        When(carrier__industry_focus=request.tenant.industry, then=Value(w["industry"])),
        When(carrier__industry_focus=Industry.MIXED, then=Value(w["industry"] // 2)),
        default=Value(0),
    )
    if request.budget_per_m2 is None:
        rent = Value(w["rent"] // 2)
    else:
        rent = Case(
            When(list_rent__lte=request.budget_per_m2, then=Value(w["rent"])),
            When(list_rent__lte=request.budget_per_m2 * Decimal("1.1"), then=Value(w["rent"] // 2)),
            default=Value(0),
        )
    seats = Case(When(seats__gte=request.seats, then=Value(w["seats"])), default=Value(0))
    return {
        "s_area": ExpressionWrapper(
            Value(w["area"]) - area_gap * Value(Decimal(w["area"]) / band), output_field=money
        ),
        "s_kind": Case(
            When(kind=request.unit_kind, then=Value(w["kind"])),
            When(kind__in=kin, then=Value(w["kind"] // 2)),
            default=Value(0),
        ),
        "s_ready": ready,
        "s_carrier": carrier,
        "s_industry": industry,
        "s_rent": rent,
        "s_seats": seats,
    }


def rank_candidates(
    request: SpaceRequest,
    units: QuerySet[Unit],
    *,
    limit: int = 20,
    now: dt.datetime | None = None,
) -> list[Candidate]:
    """The best `limit` candidates among `units` (already scoped), best first."""
    start, end = request_term(request)
    preferred = list(request.preferred_carriers.values_list("pk", flat=True))
    parts = _score_expressions(request, preferred, start)
    # The whole parts are summed as integers and added to the area part once:
    # the same exact sum, with one decimal addition a unit instead of six.
    whole = ExpressionWrapper(
        F("s_kind") + F("s_ready") + F("s_carrier") + F("s_industry") + F("s_rent") + F("s_seats"),
        output_field=IntegerField(),
    )
    score = ExpressionWrapper(F("s_area") + whole, output_field=IntegerField())
    order = ("-score", "list_rent", "carrier__code", "code")
    scored = (
        _in_service(units, start, end)
        .filter(
            gross_area__gte=request.area_min * AREA_BAND_LOW,
            gross_area__lte=request.area_max * AREA_BAND_HIGH,
        )
        .annotate(**parts)
        .annotate(score=score)
        .order_by(*order)
    )
    taken = _taken(start, end, now=now)
    # Most units in the band are let for the term, and checking tens of
    # thousands of them against the ledger before the sort kept the whole band
    # in it. So the best `window` of the band are picked in a bounded (top-N)
    # sort first, and only they are checked, in the same statement; only ids
    # and scores go through the sorts. If fewer than `limit` of them are free
    # although the window was full, the free units of the whole band are ranked
    # instead (one more query).
    window = max(limit * WINDOW_FACTOR, WINDOW_MIN)
    best = list(
        scored.filter(pk__in=scored.values("pk")[:window])
        .annotate(taken=Exists(taken))
        .values_list("pk", "score", "taken")
    )
    ranked = [(pk, s) for pk, s, is_taken in best if not is_taken][:limit]
    if len(ranked) < limit and len(best) == window:
        ranked = list(scored.exclude(Exists(taken)).values_list("pk", "score")[:limit])
    found = Unit.objects.select_related("carrier", "floor__building").in_bulk(
        [pk for pk, _score in ranked]
    )
    return [
        Candidate(found[pk], round(score), _reasons(request, found[pk], preferred))
        for pk, score in ranked
    ]


def _reasons(request: SpaceRequest, unit: Unit, preferred: list[int]) -> list[str]:
    """Why a unit scored what it did, in the user's language."""
    reasons = []
    area = unit.gross_area
    if request.area_min <= area <= request.area_max:
        reasons.append(_("Area %(area)s m² is within the requested range.") % {"area": area})
    else:
        reasons.append(
            _("Area %(area)s m² is outside %(min)s–%(max)s m².")
            % {"area": area, "min": request.area_min, "max": request.area_max}
        )
    if unit.kind == request.unit_kind:
        reasons.append(_("Kind matches: %(kind)s.") % {"kind": unit.get_kind_display()})
    else:
        reasons.append(
            _("Kind is %(kind)s, not the requested one.") % {"kind": unit.get_kind_display()}
        )
    if request.fit_out == SpaceRequest.FitOut.TURNKEY:
        if unit.turnkey and (unit.ready_on is None or unit.ready_on <= request.move_in_on):
            reasons.append(_("Turnkey and ready by the move-in date."))
        elif unit.turnkey:
            reasons.append(
                _("Turnkey, but only ready on %(date)s.") % {"date": unit.ready_on.isoformat()}
            )
        else:
            reasons.append(_("Not furnished: needs fitting out before move-in."))
    elif not unit.turnkey:
        reasons.append(_("A shell unit, suited to a tailored fit-out."))
    if preferred and unit.carrier_id in preferred:
        reasons.append(_("In a carrier the company asked for."))
    if unit.carrier.industry_focus == request.tenant.industry:
        reasons.append(
            _("The carrier focuses on the company's industry (%(industry)s).")
            % {"industry": unit.carrier.get_industry_focus_display()}
        )
    if request.budget_per_m2 is not None:
        if unit.list_rent <= request.budget_per_m2:
            reasons.append(
                _("List rent %(rent)s is within the budget of %(budget)s CNY/m²/month.")
                % {"rent": unit.list_rent, "budget": request.budget_per_m2}
            )
        else:
            reasons.append(
                _("List rent %(rent)s is over the budget of %(budget)s CNY/m²/month.")
                % {"rent": unit.list_rent, "budget": request.budget_per_m2}
            )
    if request.seats and unit.seats < request.seats:
        reasons.append(
            _("Only %(seats)d seats of %(wanted)d.")
            % {"seats": unit.seats, "wanted": request.seats}
        )
    return reasons

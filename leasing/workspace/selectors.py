"""Read-side queries of the manager's workspace, each a fixed number of queries.

Every function takes a Scope (or a queryset already scoped by one), so the
pages built from them cannot reach outside what the user may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from carriers.models import Carrier, Unit
from carriers.status import UnitStatus
from leasing.access import Scope
from leasing.models import Allocation, Event, SpaceRequest

# Event.from_state/to_state hold raw values of either a request status or an
# allocation state; the two sets of values do not overlap.
STATE_LABELS: dict[str, str] = {
    **dict(SpaceRequest.Status.choices),
    **dict(Allocation.State.choices),
}


def state_label(value: str) -> str:
    return str(STATE_LABELS.get(value, value)) if value else ""


# --- the request queue ----------------------------------------------------------------


def queue_requests(scope: Scope, *, now: dt.datetime) -> QuerySet[SpaceRequest]:
    """Open requests in scope, oldest first, with what a queue row shows.

    Preferred carriers are prefetched and the live offer read by subqueries,
    so a page of 50 costs the same few queries as a page of 5.
    """
    live = Allocation.objects.filter(
        request=OuterRef("pk"), state=Allocation.State.HELD, hold_expires_at__gt=now
    ).order_by("hold_expires_at")
    # Another carrier's offer shows by its expiry only, not by its unit.
    live_in_scope = (
        live
        if scope.reads_everything
        else live.filter(unit__carrier_id__in=scope.managed_carrier_ids)
    )
    return (
        scope.requests()
        .filter(status__in=SpaceRequest.OPEN_STATUSES)
        .select_related("tenant")
        .prefetch_related(Prefetch("preferred_carriers", queryset=Carrier.objects.order_by("code")))
        .annotate(
            offer_unit_code=Subquery(live_in_scope.values("unit__code")[:1]),
            offer_expires_at=Subquery(live.values("hold_expires_at")[:1]),
        )
        .order_by("submitted_at", "pk")
    )


def age_in_days(submitted_at: dt.datetime, now: dt.datetime) -> int:
    return max((now - submitted_at).days, 0)


# --- history --------------------------------------------------------------------------


@dataclass
class EventRow:
    event: Event
    from_label: str
    to_label: str


def event_rows(events: QuerySet[Event]) -> list[EventRow]:
    """History rows, oldest first, with who did it (one query)."""
    rows = events.select_related("actor").order_by("at", "pk")
    return [EventRow(e, state_label(e.from_state), state_label(e.to_state)) for e in rows]


def request_events(scope: Scope, space_request: SpaceRequest) -> QuerySet[Event]:
    """A request's history; offers made from other carriers are left out for a manager."""
    events = Event.objects.filter(request=space_request)
    if scope.reads_everything:
        return events
    return events.filter(Q(allocation__isnull=True) | Q(allocation__in=scope.allocations()))


def tenant_events(scope: Scope, tenant_id: int) -> QuerySet[Event]:
    """A tenant's history as far as the scope reaches: a manager sees what happened
    to requests in their queue and leases in their carriers, not elsewhere."""
    events = Event.objects.filter(tenant_id=tenant_id)
    if scope.reads_everything:
        return events
    return events.filter(
        Q(allocation__in=scope.allocations())
        | Q(allocation__isnull=True, request__in=scope.requests())
    )


# --- candidates -----------------------------------------------------------------------


def candidate_pool(scope: Scope) -> QuerySet[Unit]:
    """The units a user may be shown as candidates: a manager's own carriers only."""
    if scope.reads_everything:
        return Unit.objects.all()
    return Unit.objects.filter(carrier_id__in=scope.managed_carrier_ids)


# --- the vacancy board ----------------------------------------------------------------


@dataclass
class FloorRow:
    label: str
    units: list[Unit] = field(default_factory=list)


@dataclass
class StatusCount:
    value: str
    label: str
    units: int = 0
    area: Decimal = Decimal(0)


@dataclass
class VacancyBoard:
    carrier: Carrier
    day: dt.date
    floors: list[FloorRow]
    free: list[Unit]
    counts: list[StatusCount]

    @property
    def total_units(self) -> int:
        return sum(c.units for c in self.counts)


# On the board, units that can be let come first: vacant now, then soon.
FREE_STATUSES = (UnitStatus.VACANT, UnitStatus.AVAILABLE_SOON)


def vacancy_board(
    carrier: Carrier, day: dt.date, *, now: dt.datetime | None = None
) -> VacancyBoard:
    """Every unit of a carrier with its status on `day`, grouped by floor: one query."""
    now = now or timezone.now()
    units = list(
        Unit.objects.filter(carrier=carrier)
        .with_status(day, now=now)
        .select_related("floor__building")
        .order_by("floor__building__code", "-floor__level", "code")
    )
    floors: list[FloorRow] = []
    counts = {value: StatusCount(value, str(label)) for value, label in UnitStatus.choices}
    for unit in units:
        unit.status_label = counts[unit.status].label
        unit.free_from = _free_from(unit, day)
        unit.ready_for_turnkey = unit.turnkey and (unit.ready_on is None or unit.ready_on <= day)
        counts[unit.status].units += 1
        counts[unit.status].area += unit.gross_area
        floor = unit.floor
        label = f"{floor.building.name} · {floor.label}"
        if not floors or floors[-1].label != label:
            floors.append(FloorRow(label))
        floors[-1].units.append(unit)
    free = sorted(
        (u for u in units if u.status in FREE_STATUSES),
        key=lambda u: (FREE_STATUSES.index(u.status), u.free_from, u.floor.building.code, u.code),
    )
    return VacancyBoard(carrier, day, floors, free, list(counts.values()))


def _free_from(unit: Unit, day: dt.date) -> dt.date | None:
    if unit.status == UnitStatus.VACANT:
        return day
    if unit.status == UnitStatus.AVAILABLE_SOON:
        return unit.current_end
    return None


def label_status(unit: Unit) -> Unit:
    """Attach the translated label of the status annotated by with_status()."""
    unit.status_label = str(UnitStatus(unit.status).label)
    return unit

"""A unit's status on a date, derived from the ledger and the unit's own dates.

Nothing here is stored. The status is one SQL CASE expression over the unit's
columns and two correlated subqueries on the allocation ledger, so a floor, a
carrier or the whole district gets its statuses in one query, and the status
can be filtered, counted and sorted on in the database.

Precedence on a date D (first match wins):

1. planned        D is before the unit comes into service
2. retired        D is on or after the unit's retirement
3. not_for_lease  common or public-service space
4. held           a hold (unexpired) covers D
5. available_soon a lease covers D and ends within 90 days of D, with no
                  allocation continuing it from its end (a renewal)
6. occupied       a lease covers D
7. not_ready      being made ready: D is before the unit's ready date
8. vacant         otherwise
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from carriers.models import UnitQuerySet

AVAILABLE_SOON_DAYS = 90


class UnitStatus(models.TextChoices):
    VACANT = "vacant", _("Vacant")
    HELD = "held", _("Held")
    OCCUPIED = "occupied", _("Occupied")
    AVAILABLE_SOON = "available_soon", _("Available soon")
    NOT_READY = "not_ready", _("Not ready")
    NOT_FOR_LEASE = "not_for_lease", _("Not for lease")
    RETIRED = "retired", _("Retired")
    PLANNED = "planned", _("Not yet in service")


def covering_allocations(on: dt.date, now: dt.datetime) -> models.QuerySet:
    """Allocations of the outer unit that occupy the date `on`.

    Cancelled allocations never happened; a hold whose expiry has passed no
    longer holds anything even before a job has released it.
    """
    allocation = apps.get_model("leasing", "Allocation")
    return allocation.objects.filter(
        Q(end__isnull=True) | Q(end__gt=on),
        unit=OuterRef("pk"),
        start__lte=on,
    ).exclude(
        Q(state=allocation.State.CANCELLED)
        | Q(state=allocation.State.HELD, hold_expires_at__lte=now)
    )


def annotate_status(
    units: UnitQuerySet, on: dt.date, *, now: dt.datetime | None = None
) -> UnitQuerySet:
    """Add `current_state`, `current_end` and `status` to every unit, in one query."""
    allocation = apps.get_model("leasing", "Allocation")
    now = now or timezone.now()
    covering = covering_allocations(on, now)
    # A renewal (or any allocation) starting the day the current one ends
    # means the unit is not coming free. Like covering ones, cancelled rows and
    # holds past their expiry do not count.
    continued = allocation.objects.filter(
        unit=OuterRef("pk"), start=OuterRef("current_end")
    ).exclude(
        Q(state=allocation.State.CANCELLED)
        | Q(state=allocation.State.HELD, hold_expires_at__lte=now)
    )
    soon = on + dt.timedelta(days=AVAILABLE_SOON_DAYS)
    return units.annotate(
        current_state=Subquery(covering.values("state")[:1]),
        current_end=Subquery(covering.values("end")[:1]),
        current_allocation_id=Subquery(covering.values("pk")[:1]),
    ).annotate(
        status=Case(
            When(in_service_from__gt=on, then=Value(UnitStatus.PLANNED)),
            When(retired_on__lte=on, then=Value(UnitStatus.RETIRED)),
            When(leasable=False, then=Value(UnitStatus.NOT_FOR_LEASE)),
            When(current_state=allocation.State.HELD, then=Value(UnitStatus.HELD)),
            When(
                Q(current_end__lte=soon) & ~Exists(continued),
                then=Value(UnitStatus.AVAILABLE_SOON),
            ),
            When(current_state__isnull=False, then=Value(UnitStatus.OCCUPIED)),
            When(ready_on__gt=on, then=Value(UnitStatus.NOT_READY)),
            default=Value(UnitStatus.VACANT),
            output_field=models.CharField(),
        )
    )


def unit_status(unit_id: int, on: dt.date) -> str:
    """The status of one unit on a date (one query)."""
    unit = apps.get_model("carriers", "Unit")
    return unit.objects.filter(pk=unit_id).with_status(on).values_list("status", flat=True).get()

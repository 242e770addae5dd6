"""A unit's status on a date, derived from the ledger and the unit's own dates.

Nothing here is stored. The status is one SQL CASE expression over the unit's
columns and the ledger row covering the date (a conditional LEFT JOIN), so a floor, a
carrier or the whole district gets its statuses in one query, and the status
can be filtered, counted and sorted on in the database.

Precedence on a date D (first match wins):

1. planned        D is before the unit comes into service
2. retired        D is on or after the unit's retirement
3. not_for_lease  common or public-service space
4. held           a hold (unexpired) covers D
5. available_soon a lease covers D and ends within 90 days of D, with no
                  allocation continuing it from its end (a renewal) and the
                  unit not retiring then
6. occupied       a lease covers D
7. not_ready      being made ready: D is before the unit's ready date
8. vacant         otherwise
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.db.models import Case, Exists, F, FilteredRelation, OuterRef, Q, Value, When
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


def occupying_q(prefix: str, now: dt.datetime) -> Q:
    """Allocation rows that occupy their range: not cancelled, no hold past its expiry.

    The one statement of the rule, for the ledger (AllocationQuerySet.occupying),
    the status join here and the metrics; `prefix` reaches it through a relation.

    A hold whose expiry has passed no longer holds anything, even before a
    job has released it.
    """
    allocation = apps.get_model("leasing", "Allocation")
    return ~Q(**{f"{prefix}state": allocation.State.CANCELLED}) & ~Q(
        **{f"{prefix}state": allocation.State.HELD, f"{prefix}hold_expires_at__lte": now}
    )


def annotate_status(
    units: UnitQuerySet, on: dt.date, *, now: dt.datetime | None = None
) -> UnitQuerySet:
    """Add `current_state`, `current_end`, `current_allocation_id` and `status`, in one query.

    Occupying allocations of a unit never overlap, so at most one covers the
    date: a LEFT JOIN on that condition (FilteredRelation) adds no rows, and
    the database reads each unit's ledger once instead of once per column.
    """
    allocation = apps.get_model("leasing", "Allocation")
    now = now or timezone.now()
    covering = FilteredRelation(
        "allocations",
        condition=Q(allocations__start__lte=on)
        & (Q(allocations__end__isnull=True) | Q(allocations__end__gt=on))
        & occupying_q("allocations__", now),
    )
    # A renewal (or any allocation) starting the day the current one ends
    # means the unit is not coming free.
    continued = allocation.objects.filter(
        occupying_q("", now), unit=OuterRef("pk"), start=OuterRef("current_end")
    )
    soon = on + dt.timedelta(days=AVAILABLE_SOON_DAYS)
    return (
        units.annotate(covering=covering)
        .annotate(
            current_state=F("covering__state"),
            current_end=F("covering__end"),
            current_allocation_id=F("covering__id"),
        )
        .annotate(
            status=Case(
                When(in_service_from__gt=on, then=Value(UnitStatus.PLANNED)),
                When(retired_on__lte=on, then=Value(UnitStatus.RETIRED)),
                When(leasable=False, then=Value(UnitStatus.NOT_FOR_LEASE)),
                When(current_state=allocation.State.HELD, then=Value(UnitStatus.HELD)),
                When(
                    Q(current_end__lte=soon)
                    & ~Exists(continued)
                    # A unit retiring when the lease ends never comes free.
                    & (Q(retired_on__isnull=True) | Q(retired_on__gt=F("current_end"))),
                    then=Value(UnitStatus.AVAILABLE_SOON),
                ),
                When(current_state__isnull=False, then=Value(UnitStatus.OCCUPIED)),
                When(ready_on__gt=on, then=Value(UnitStatus.NOT_READY)),
                default=Value(UnitStatus.VACANT),
                output_field=models.CharField(),
            )
        )
    )


def unit_status(unit_id: int, on: dt.date) -> str:
    """The status of one unit on a date (one query)."""
    unit = apps.get_model("carriers", "Unit")
    return unit.objects.filter(pk=unit_id).with_status(on).values_list("status", flat=True).get()

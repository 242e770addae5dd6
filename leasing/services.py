"""Write workflows on the allocation ledger.

The rule every function here keeps: two occupying allocations (held, active,
ended) of one unit never overlap. Three layers keep it:

1. the unit's row is locked (SELECT ... FOR UPDATE) before the ledger is read,
   so concurrent allocations of one unit queue on PostgreSQL; on SQLite the
   transaction began with BEGIN IMMEDIATE and already holds the write lock;
2. the overlap is checked in that transaction, so the user is told which
   lease is in the way;
3. on PostgreSQL the exclusion constraint `allocation_no_overlap` refuses
   whatever slipped past 1 and 2, and that refusal is turned into the same
   clear message.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import time
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import Unit
from leasing.events import event_for_allocation, event_for_request
from leasing.models import Allocation, SpaceRequest, Tenant

log = logging.getLogger("zaiti.leasing")

NO_OVERLAP_CONSTRAINT = "allocation_no_overlap"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
# Tries at the insert when PostgreSQL breaks a deadlock between concurrent
# exclusion-constraint checks (see allocation_create).
INSERT_ATTEMPTS = 5
DEADLOCK_BACKOFF = 0.05  # seconds, times the attempt number, at most


class AllocationConflict(ValidationError):
    """The unit is already allocated for part of the requested dates."""

    def __init__(self, conflicting: Allocation) -> None:
        self.conflicting = conflicting
        super().__init__(
            _(
                "Unit %(unit)s is already allocated for these dates: lease #%(lease)s to "
                "%(tenant)s, %(period)s (%(state)s). Nothing was saved."
            ),
            code="allocation_conflict",
            params={
                "unit": conflicting.unit.code,
                "lease": conflicting.pk,
                "tenant": conflicting.tenant.name,
                "period": conflicting.period_label,
                "state": conflicting.get_state_display(),
            },
        )


def find_conflict(
    unit_id: int,
    start: dt.date,
    end: dt.date | None,
    *,
    now: dt.datetime,
    exclude_id: int | None = None,
    expired: list[Allocation] | None = None,
) -> Allocation | None:
    """The first occupying allocation of the unit meeting [start, end), if any.

    Holds past their expiry occupy nothing and are skipped; pass a list as
    `expired` to collect them (one query serves both purposes).
    """
    qs = (
        Allocation.objects.filter(unit_id=unit_id)
        .exclude(state=Allocation.State.CANCELLED)
        .overlapping(start, end)
        .select_related("unit", "tenant")
        .order_by("start")
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    conflict = None
    for row in qs:
        if row.state == Allocation.State.HELD and row.hold_expires_at <= now:
            if expired is not None:
                expired.append(row)
        elif conflict is None:
            conflict = row
            if expired is None:
                break
    return conflict


def _lock_unit(unit_id: int) -> Unit:
    # Serialises every ledger write on this unit until commit (PostgreSQL).
    # On SQLite select_for_update is a no-op; BEGIN IMMEDIATE did the job.
    # NO KEY UPDATE: it still excludes every other allocation of the unit, but
    # not the key-share locks that inserting a row referencing the unit (an
    # allocation, an event) takes, which a plain FOR UPDATE would block.
    return Unit.objects.select_for_update(no_key=True).get(pk=unit_id)


def release_expired_holds(
    now: dt.datetime,
    *,
    unit_id: int | None = None,
    request_id: int | None = None,
    actor: AbstractBaseUser | None = None,
) -> list[Allocation]:
    """Cancel holds past their expiry and send their requests back to the queue.

    Done lazily whenever a unit's availability is checked (an expired hold
    must never keep a unit from being let, and the exclusion constraint still
    counts it until it is cancelled) and by the periodic `expire_holds` job.
    Each release is recorded, and the tenant and managers are told after commit.
    """
    from leasing.notify import hold_expired  # notify renders mail: imported late

    qs = Allocation.objects.filter(state=Allocation.State.HELD, hold_expires_at__lte=now)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    if request_id is not None:
        qs = qs.filter(request_id=request_id)
    note = _("The offer expired without an answer.")
    # A transaction of its own when called outside one (the periodic job runs in
    # autocommit mode, where select_for_update() is refused); inside the caller's
    # transaction it simply joins it, without a savepoint.
    with transaction.atomic(savepoint=False):
        released = list(qs.select_for_update())
        for hold in released:
            hold.state = Allocation.State.CANCELLED
            hold.save(update_fields=["state"])
            event_for_allocation(hold, from_state=Allocation.State.HELD, actor=actor, note=note)
            # Everywhere else a request is locked before its units and offers;
            # here the unit (and the hold) are locked already, so waiting for
            # the request could deadlock. Skip a request that is busy: the
            # periodic job reopens it (leasing.offers.requests_reopen_lapsed).
            request = (
                SpaceRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=hold.request_id, status=SpaceRequest.Status.OFFERED)
                .first()
            )
            if request is not None:
                request.status = SpaceRequest.Status.SUBMITTED
                request.save(update_fields=["status"])
                event_for_request(
                    request, from_state=SpaceRequest.Status.OFFERED, actor=actor, note=note
                )
            transaction.on_commit(functools.partial(hold_expired, hold.pk))
    return released


def validate_allocation(
    unit: Unit,
    *,
    start: dt.date,
    end: dt.date | None,
    state: str,
    hold_expires_at: dt.datetime | None,
    now: dt.datetime,
    adding: bool = True,
) -> None:
    """The rules of one allocation against its unit, as a ValidationError by field."""
    errors: dict[str, list[str]] = {}
    if end is not None and end <= start:
        errors.setdefault("end", []).append(_("The end date must be after the start date."))
    if not unit.leasable:
        errors.setdefault("unit", []).append(
            _("Unit %(unit)s is common or public-service space and cannot be let.")
            % {"unit": unit.code}
        )
    if start < unit.in_service_from:
        errors.setdefault("start", []).append(
            _("Unit %(unit)s only comes into service on %(date)s.")
            % {"unit": unit.code, "date": unit.in_service_from.isoformat()}
        )
    if unit.retired_on is not None and (end is None or end > unit.retired_on):
        errors.setdefault("end", []).append(
            _("Unit %(unit)s is retired on %(date)s; the allocation must end by then.")
            % {"unit": unit.code, "date": unit.retired_on.isoformat()}
        )
    if state == Allocation.State.HELD and (hold_expires_at is None or hold_expires_at <= now):
        errors.setdefault("hold_expires_at", []).append(_("A hold needs an expiry in the future."))
    if state == Allocation.State.ENDED and end is None:
        errors.setdefault("end", []).append(_("An ended lease needs an end date."))
    if adding and state == Allocation.State.CANCELLED:
        errors.setdefault("state", []).append(_("A new allocation cannot be cancelled."))
    if errors:
        raise ValidationError(errors)


def _is_overlap_violation(exc: IntegrityError) -> bool:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == EXCLUSION_VIOLATION or (
        NO_OVERLAP_CONSTRAINT in str(exc)
    )


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) == DEADLOCK_DETECTED


def allocation_check(
    *,
    unit_id: int,
    start: dt.date,
    end: dt.date | None,
    state: str,
    hold_expires_at: dt.datetime | None,
    now: dt.datetime,
    exclude_id: int | None = None,
) -> Unit:
    """Lock the unit and refuse an allocation that breaks a rule or meets another.

    Call inside transaction.atomic(): the lock holds until the caller's write
    commits, so the check cannot go stale before it. Returns the locked unit.
    """
    locked = _lock_unit(unit_id)
    validate_allocation(
        locked,
        start=start,
        end=end,
        state=state,
        hold_expires_at=hold_expires_at,
        now=now,
        adding=exclude_id is None,
    )
    if state == Allocation.State.CANCELLED:
        return locked
    expired: list[Allocation] = []
    conflict = find_conflict(locked.pk, start, end, now=now, exclude_id=exclude_id, expired=expired)
    if expired:
        # An expired hold in the way still counts for the exclusion constraint
        # until it is cancelled, though it no longer holds anything.
        release_expired_holds(now, unit_id=locked.pk)
    if conflict is not None:
        raise AllocationConflict(conflict)
    return locked


def _write(allocation: Allocation, *, now: dt.datetime, adding: bool) -> None:
    """Save under the caller's lock; the constraint's refusal becomes AllocationConflict."""
    exclude_id = None if adding else allocation.pk
    for attempt in range(1, INSERT_ATTEMPTS + 1):
        try:
            # A savepoint, so a refused write leaves the outer transaction usable
            # for looking up the lease that won.
            with transaction.atomic():
                allocation.save(force_insert=adding)
            return
        except OperationalError as exc:
            # Writes that reach the exclusion constraint together wait for each
            # other, and PostgreSQL breaks the deadlock by failing one. Only the
            # savepoint is lost: write again, now queued behind the other, to
            # end as a clear conflict (or a success).
            if not _is_deadlock(exc) or attempt == INSERT_ATTEMPTS:
                raise
            # Back off a random moment first: writing again at once re-formed the
            # same cycle, one deadlock per second (deadlock_timeout), for 40 s
            # when eight writers raced without the unit lock.
            time.sleep(random.uniform(0, DEADLOCK_BACKOFF * attempt))
        except IntegrityError as exc:
            if not _is_overlap_violation(exc):
                raise
            conflict = find_conflict(
                allocation.unit_id, allocation.start, allocation.end, now=now, exclude_id=exclude_id
            )
            if conflict is None:  # pragma: no cover - the constraint saw a row we cannot
                raise
            raise AllocationConflict(conflict) from exc


def allocation_create(
    *,
    unit: Unit,
    tenant: Tenant,
    start: dt.date,
    end: dt.date | None,
    state: str = Allocation.State.ACTIVE,
    hold_expires_at: dt.datetime | None = None,
    contracted_rent: Decimal | None = None,
    created_by: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
    reason: str = "",
    **contract: Any,
) -> Allocation:
    """Allocate a unit to a tenant for [start, end), or raise with a clear message.

    Raises AllocationConflict (naming the lease in the way) or ValidationError;
    in either case nothing is saved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = allocation_check(
            unit_id=unit.pk,
            start=start,
            end=end,
            state=state,
            hold_expires_at=hold_expires_at,
            now=now,
        )
        allocation = Allocation(
            unit=locked,
            tenant=tenant,
            start=start,
            end=end,
            state=state,
            hold_expires_at=hold_expires_at if state == Allocation.State.HELD else None,
            contracted_rent=locked.list_rent if contracted_rent is None else contracted_rent,
            created_by=created_by,
            created_at=now,
            **contract,
        )
        _write(allocation, now=now, adding=True)
        # The event logs the new allocation once it is committed (leasing/events.py).
        event_for_allocation(allocation, from_state="", actor=created_by, note=reason)
    return allocation


LEDGER_FIELDS = ("unit_id", "start", "end", "state", "hold_expires_at")


def allocation_update(
    allocation: Allocation,
    *,
    actor: AbstractBaseUser | None = None,
    reason: str = "",
    expected_state: str | None = None,
    now: dt.datetime | None = None,
) -> Allocation:
    """Save changes to an existing allocation under the same rules as a new one.

    The ledger rules are checked only when a ledger field changes, so a note
    can be added to a lease whose unit has since been retired. With
    `expected_state` (the state the editor saw), a change made meanwhile by
    someone else (an acceptance, say) is refused instead of overwritten.
    A change of state is recorded with who made it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = Allocation.objects.select_for_update().get(pk=allocation.pk)
        if expected_state is not None and current.state != expected_state:
            raise ValidationError(
                _(
                    "Lease #%(id)s changed while you were editing it: it is now %(state)s. "
                    "Reload the page and make your change again."
                )
                % {"id": current.pk, "state": current.get_state_display()},
                code="allocation_changed",
            )
        if any(getattr(current, f) != getattr(allocation, f) for f in LEDGER_FIELDS):
            allocation_check(
                unit_id=allocation.unit_id,
                start=allocation.start,
                end=allocation.end,
                state=allocation.state,
                hold_expires_at=allocation.hold_expires_at,
                now=now,
                exclude_id=allocation.pk,
            )
        _write(allocation, now=now, adding=False)
        if current.state != allocation.state:
            event_for_allocation(allocation, from_state=current.state, actor=actor, note=reason)
    log.info(
        "allocation changed: #%s unit=%s [%s, %s) state=%s",
        allocation.pk,
        allocation.unit_id,
        allocation.start,
        allocation.end,
        allocation.state,
    )
    return allocation

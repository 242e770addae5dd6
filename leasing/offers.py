"""The request workflow: submit, offer (a hold with an expiry), accept, decline.

An offer is an allocation in the `held` state tied to the request, so the
unit is taken off the market by the same ledger and the same no-overlap rule
as a lease. Accepting turns that very row into the active lease; declining,
withdrawing or letting it expire cancels it and sends the request back to the
queue. Every change is recorded (leasing.events) in its transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import Unit
from leasing import notify
from leasing.events import event_for_allocation, event_for_request
from leasing.models import Allocation, SpaceRequest, Tenant
from leasing.services import allocation_create, release_expired_holds
from leasing.terms import add_months

HOLD_DAYS = 3


def request_submit(
    *,
    tenant: Tenant,
    actor: AbstractBaseUser | None,
    client_token: uuid.UUID | None = None,
    preferred_carriers: list[Any] | None = None,
    **fields: Any,
) -> tuple[SpaceRequest, bool]:
    """Put a request in the queue; the same form token twice returns the first one.

    Returns (request, created).
    """
    with transaction.atomic():
        if client_token is not None:
            existing = SpaceRequest.objects.filter(tenant=tenant, client_token=client_token).first()
            if existing is not None:
                return existing, False
        request = SpaceRequest(
            tenant=tenant, submitted_by=actor, client_token=client_token, **fields
        )
        # The token's uniqueness is left to the insert below, which is the only
        # check a concurrent double submit cannot slip past.
        request.full_clean(exclude=["preferred_carriers", "client_token"])
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            # The same form submitted twice at once (PostgreSQL): both missed the
            # look-up above, this insert waited for the other's and was refused.
            if client_token is None:
                raise
            existing = SpaceRequest.objects.filter(tenant=tenant, client_token=client_token).first()
            if existing is None:
                raise
            return existing, False
        if preferred_carriers:
            request.preferred_carriers.set(preferred_carriers)
        event_for_request(request, from_state="", actor=actor)
    return request, True


def _lock_request(request_id: int) -> SpaceRequest:
    # Requests change state under a row lock, so an acceptance and a
    # withdrawal arriving together cannot both win.
    return SpaceRequest.objects.select_for_update().get(pk=request_id)


def _set_request_status(
    request: SpaceRequest, status: str, *, actor: AbstractBaseUser | None, note: str = ""
) -> None:
    previous = request.status
    request.status = status
    request.save(update_fields=["status"])
    event_for_request(request, from_state=previous, actor=actor, note=note)


def live_offer(request: SpaceRequest, now: dt.datetime | None = None) -> Allocation | None:
    """The request's unexpired hold, if any."""
    now = now or timezone.now()
    return (
        request.allocations.filter(state=Allocation.State.HELD, hold_expires_at__gt=now)
        .select_related("unit__carrier")
        .first()
    )


def offer_make(
    *,
    request: SpaceRequest,
    unit: Unit,
    actor: AbstractBaseUser,
    start: dt.date | None = None,
    end: dt.date | None = None,
    expires_at: dt.datetime | None = None,
    contracted_rent: Decimal | None = None,
    rent_free_months: int = 0,
    deposit: Decimal = Decimal("0"),
    note: str = "",
    now: dt.datetime | None = None,
) -> Allocation:
    """Hold a unit for a request until the tenant answers or the hold expires."""
    now = now or timezone.now()
    start = start or request.move_in_on
    end = end or add_months(start, request.term_months)
    expires_at = expires_at or now + dt.timedelta(days=HOLD_DAYS)
    with transaction.atomic():
        # Lock order here as everywhere: request, then unit (in
        # allocation_create), then allocations. A lapsed hold of this request
        # is released only after the new unit is locked (below).
        request = _lock_request(request.pk)
        if request.status not in SpaceRequest.OPEN_STATUSES:
            raise ValidationError(
                _("Request #%(id)s is %(status)s: it can no longer be offered a unit.")
                % {"id": request.pk, "status": request.get_status_display()},
                code="request_closed",
            )
        current = live_offer(request, now)
        if current is not None:
            raise ValidationError(
                _(
                    # No unit code: the open offer may be another carrier's, which
                    # this manager may not see (DESIGN.md §1).
                    "Request #%(id)s already has an open offer, held until %(expires)s. "
                    "It must be withdrawn or expire before another unit is offered."
                )
                % {
                    "id": request.pk,
                    "expires": timezone.localtime(current.hold_expires_at).strftime(
                        "%Y-%m-%d %H:%M"
                    ),
                },
                code="offer_open",
            )
        if start < timezone.localdate(now):
            # The code goes on the field's error: ValidationError(dict, code=...) drops it.
            raise ValidationError(
                {
                    "start": ValidationError(
                        _("The start date cannot be in the past."), code="start_past"
                    )
                }
            )
        hold = allocation_create(
            unit=unit,
            tenant=request.tenant,
            request=request,
            start=start,
            end=end,
            state=Allocation.State.HELD,
            hold_expires_at=expires_at,
            contracted_rent=contracted_rent,
            rent_free_months=rent_free_months,
            deposit=deposit,
            created_by=actor,
            now=now,
            note=note,
            reason=note,
        )
        # The request's own lapsed offer is done with: cancel it now rather
        # than at the next job run.
        release_expired_holds(now, request_id=request.pk)
        request.refresh_from_db(fields=["status"])
        # The offer's terms and note stay on the hold: the request's history is
        # read by every carrier's managers the request is open to.
        _set_request_status(request, SpaceRequest.Status.OFFERED, actor=actor)
        transaction.on_commit(functools.partial(notify.offer_made, hold.pk))
    return hold


def _lock_offer(allocation_id: int, now: dt.datetime) -> tuple[Allocation, SpaceRequest | None]:
    """Lock an offer's request, then the offer, and refuse an offer that can no
    longer be answered. Always the request first, as everywhere in this module,
    so two workflows on one request cannot deadlock."""
    request_id = Allocation.objects.values_list("request_id", flat=True).get(pk=allocation_id)
    request = _lock_request(request_id) if request_id else None
    offer = Allocation.objects.select_for_update().select_related("unit").get(pk=allocation_id)
    if offer.state == Allocation.State.HELD and offer.hold_expires_at <= now:
        raise ValidationError(
            _("This offer expired at %(expires)s; ask the carrier for a new one.")
            % {"expires": timezone.localtime(offer.hold_expires_at).strftime("%Y-%m-%d %H:%M")},
            code="offer_expired",
        )
    if offer.state != Allocation.State.HELD:
        raise ValidationError(
            _("This offer was withdrawn or already answered: it is now %(state)s.")
            % {"state": offer.get_state_display()},
            code="offer_not_open",
        )
    return offer, request


def offer_accept(
    *, offer: Allocation, actor: AbstractBaseUser, now: dt.datetime | None = None
) -> Allocation:
    """The tenant accepts: the hold becomes the active lease, signed today."""
    now = now or timezone.now()
    with transaction.atomic():
        locked, request = _lock_offer(offer.pk, now)
        locked.state = Allocation.State.ACTIVE
        locked.hold_expires_at = None
        locked.signed_on = timezone.localdate(now)
        locked.save(update_fields=["state", "hold_expires_at", "signed_on"])
        event_for_allocation(locked, from_state=Allocation.State.HELD, actor=actor)
        if request is not None:
            _set_request_status(request, SpaceRequest.Status.ACCEPTED, actor=actor)
        transaction.on_commit(functools.partial(notify.offer_accepted, locked.pk))
    return locked


def _cancel_offer(
    offer: Allocation, *, actor: AbstractBaseUser, note: str, now: dt.datetime
) -> Allocation:
    with transaction.atomic():
        locked, request = _lock_offer(offer.pk, now)
        locked.state = Allocation.State.CANCELLED
        locked.save(update_fields=["state"])
        event_for_allocation(locked, from_state=Allocation.State.HELD, actor=actor, note=note)
        if request is not None and request.status == SpaceRequest.Status.OFFERED:
            # The reason stays on the hold's event, seen only by its carrier's side.
            _set_request_status(request, SpaceRequest.Status.SUBMITTED, actor=actor)
    return locked


def offer_decline(
    *, offer: Allocation, actor: AbstractBaseUser, note: str = "", now: dt.datetime | None = None
) -> Allocation:
    """The tenant declines: the unit is free again, the request back in the queue."""
    return _cancel_offer(offer, actor=actor, note=note, now=now or timezone.now())


def offer_withdraw(
    *, offer: Allocation, actor: AbstractBaseUser, note: str = "", now: dt.datetime | None = None
) -> Allocation:
    """The manager withdraws an offer before it is answered."""
    return _cancel_offer(offer, actor=actor, note=note, now=now or timezone.now())


def request_withdraw(
    *, request: SpaceRequest, actor: AbstractBaseUser, now: dt.datetime | None = None
) -> SpaceRequest:
    """The tenant withdraws a request; an open offer on it is withdrawn with it."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_request(request.pk)
        if locked.status not in SpaceRequest.OPEN_STATUSES:
            raise ValidationError(
                _("Request #%(id)s is %(status)s and cannot be withdrawn.")
                % {"id": locked.pk, "status": locked.get_status_display()},
                code="request_closed",
            )
        note = _("The request was withdrawn.")
        for hold in locked.allocations.filter(state=Allocation.State.HELD).select_for_update():
            hold.state = Allocation.State.CANCELLED
            hold.save(update_fields=["state"])
            event_for_allocation(hold, from_state=Allocation.State.HELD, actor=actor, note=note)
        _set_request_status(locked, SpaceRequest.Status.WITHDRAWN, actor=actor)
    return locked


def request_close(*, request: SpaceRequest, actor: AbstractBaseUser, note: str) -> SpaceRequest:
    """The manager closes a request that cannot be served (with the reason)."""
    with transaction.atomic():
        locked = _lock_request(request.pk)
        if locked.status != SpaceRequest.Status.SUBMITTED:
            raise ValidationError(
                _("Only a request waiting in the queue can be closed."), code="request_not_queued"
            )
        _set_request_status(locked, SpaceRequest.Status.CLOSED, actor=actor, note=note)
    return locked


def requests_reopen_lapsed(
    now: dt.datetime | None = None, *, actor: AbstractBaseUser | None = None
) -> int:
    """Send back to the queue requests marked offered whose offer is gone.

    release_expired_holds() skips a request another transaction is busy with
    rather than wait for it; this pass (run by the expire_holds job) catches
    those up, taking the request lock first as every workflow here does.
    """
    now = now or timezone.now()
    note = _("The offer expired without an answer.")
    reopened = 0
    live = Allocation.objects.filter(
        request=OuterRef("pk"), state=Allocation.State.HELD, hold_expires_at__gt=now
    )
    # A request whose offer became a lease (even by an edit outside the
    # workflow) is not lapsed: reopening it would let it be let twice.
    leased = Allocation.objects.filter(
        request=OuterRef("pk"), state__in=(Allocation.State.ACTIVE, Allocation.State.ENDED)
    )
    stale = (
        SpaceRequest.objects.filter(status=SpaceRequest.Status.OFFERED)
        .exclude(Exists(live))
        .exclude(Exists(leased))
    )
    for request_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            request = _lock_request(request_id)
            if request.status != SpaceRequest.Status.OFFERED or live_offer(request, now):
                continue
            _set_request_status(request, SpaceRequest.Status.SUBMITTED, actor=actor, note=note)
            reopened += 1
    return reopened

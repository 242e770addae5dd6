"""Recording state changes in the same transaction as the change itself."""

from __future__ import annotations

import functools
import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from leasing.models import Allocation, Event, SpaceRequest

log = logging.getLogger("zaiti.leasing")


def event_for_allocation(
    allocation: Allocation,
    *,
    from_state: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    to_state: str | None = None,
) -> Event:
    event = Event.objects.create(
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        allocation=allocation,
        request_id=allocation.request_id,
        unit_id=allocation.unit_id,
        tenant_id=allocation.tenant_id,
        from_state=from_state,
        to_state=to_state or allocation.state,
        note=note,
    )
    # Every workflow that changes the ledger (offer, accept, decline, withdraw,
    # expiry, renewal, termination, natural end, an admin's edit) records an
    # event here, so this is the one place that logs them. After commit: a
    # change that was rolled back never happened and must not be in the log.
    # Ids, states and dates only: the note is free text people type.
    transaction.on_commit(
        functools.partial(
            log.info,
            "allocation #%s %s -> %s: unit=%s tenant=%s request=%s [%s, %s) by=%s",
            allocation.pk,
            from_state or "new",
            event.to_state,
            allocation.unit_id,
            allocation.tenant_id,
            allocation.request_id,
            allocation.start,
            allocation.end,
            event.actor_id,
        )
    )
    return event


def event_for_request(
    request: SpaceRequest,
    *,
    from_state: str,
    actor: AbstractBaseUser | None,
    note: str = "",
) -> Event:
    return Event.objects.create(
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        request=request,
        tenant_id=request.tenant_id,
        from_state=from_state,
        to_state=request.status,
        note=note,
    )

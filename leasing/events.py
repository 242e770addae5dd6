"""Recording state changes in the same transaction as the change itself."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from leasing.models import Allocation, Event, SpaceRequest


def event_for_allocation(
    allocation: Allocation,
    *,
    from_state: str,
    actor: AbstractBaseUser | None,
    note: str = "",
    to_state: str | None = None,
) -> Event:
    return Event.objects.create(
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

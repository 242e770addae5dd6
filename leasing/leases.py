"""Lease life after acceptance: handovers, renewal, early termination, natural end."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from leasing import notify
from leasing.events import event_for_allocation
from leasing.models import Allocation, Handover
from leasing.services import allocation_create

log = logging.getLogger("zaiti.leasing")

ENDING_NOTICE_DAYS = 90


def _lock_lease(allocation_id: int) -> Allocation:
    lease = Allocation.objects.select_for_update().select_related("unit").get(pk=allocation_id)
    if lease.state != Allocation.State.ACTIVE:
        raise ValidationError(
            _("Lease #%(id)s is %(state)s: only an active lease can be changed this way.")
            % {"id": lease.pk, "state": lease.get_state_display()},
            code="lease_not_active",
        )
    return lease


def lease_renew(
    *,
    lease: Allocation,
    new_end: dt.date | None,
    actor: AbstractBaseUser,
    contracted_rent: Decimal | None = None,
    note: str = "",
) -> Allocation:
    """Continue a lease without a gap: a new lease from the old one's end."""
    with transaction.atomic():
        current = _lock_lease(lease.pk)
        if current.end is None:
            raise ValidationError(
                _("Lease #%(id)s is open-ended: there is nothing to renew.") % {"id": current.pk},
                code="lease_open_ended",
            )
        if new_end is not None and new_end <= current.end:
            # The code goes on the field's error: ValidationError(dict, code=...) drops it.
            raise ValidationError(
                {
                    "new_end": ValidationError(
                        _("The renewal must end after %(end)s.") % {"end": current.end},
                        code="renewal_too_short",
                    )
                }
            )
        renewal = allocation_create(
            unit=current.unit,
            tenant=current.tenant,
            start=current.end,
            end=new_end,
            state=Allocation.State.ACTIVE,
            contracted_rent=(
                current.contracted_rent if contracted_rent is None else contracted_rent
            ),
            deposit=current.deposit,
            counts_as_incubation=current.counts_as_incubation,
            signed_on=timezone.localdate(),
            created_by=actor,
            reason=note or _("Renewal of lease #%(id)s.") % {"id": current.pk},
        )
    return renewal


def lease_terminate(
    *, lease: Allocation, on: dt.date, actor: AbstractBaseUser, note: str = ""
) -> Allocation:
    """End a lease early: `on` becomes its (exclusive) end, the first day it is free."""
    with transaction.atomic():
        current = _lock_lease(lease.pk)
        if on <= current.start:
            raise ValidationError(
                {
                    "on": ValidationError(
                        _("A lease can only end after it starts (%(start)s).")
                        % {"start": current.start},
                        code="terminate_before_start",
                    )
                }
            )
        if current.end is not None and on >= current.end:
            raise ValidationError(
                {
                    "on": ValidationError(
                        _("The lease already ends on %(end)s.") % {"end": current.end},
                        code="terminate_after_end",
                    )
                }
            )
        renewal = (
            Allocation.objects.filter(unit_id=current.unit_id, start=current.end)
            .exclude(state=Allocation.State.CANCELLED)
            .first()
            if current.end is not None
            else None
        )
        if renewal is not None:
            # Ending this lease alone would leave its continuation in force:
            # the tenant who left would be back on the renewal's first day.
            raise ValidationError(
                _(
                    "Lease #%(id)s continues as lease #%(next)s from %(end)s. End or "
                    "cancel that lease first."
                )
                % {"id": current.pk, "next": renewal.pk, "end": current.end},
                code="terminate_renewed",
            )
        current.end = on
        fields = ["end"]
        if on <= timezone.localdate():
            current.state = Allocation.State.ENDED
            fields.append("state")
        current.save(update_fields=fields)
        event_for_allocation(
            current,
            from_state=Allocation.State.ACTIVE,
            actor=actor,
            note=note or _("Terminated early; free from %(on)s.") % {"on": on},
        )
    return current


def handover_record(
    *, lease: Allocation, kind: str, actor: AbstractBaseUser, **fields: Any
) -> Handover:
    """Record a move-in or move-out checklist and the date it happened."""
    with transaction.atomic():
        current = Allocation.objects.select_for_update().get(pk=lease.pk)
        if current.state not in (Allocation.State.ACTIVE, Allocation.State.ENDED):
            raise ValidationError(
                _("Handovers are recorded for leases, not for offers or cancelled ones."),
                code="handover_not_lease",
            )
        handover = Handover(allocation=current, kind=kind, recorded_by=actor, **fields)
        handover.full_clean()
        handover.save()
        if kind == Handover.Kind.MOVE_IN:
            current.moved_in_on = handover.on
        else:
            current.moved_out_on = handover.on
        current.save(update_fields=["moved_in_on", "moved_out_on"])
        # A handover changes no state, so no event logs it: this line does.
        transaction.on_commit(
            functools.partial(
                log.info,
                "allocation #%s handover %s on %s: unit=%s tenant=%s handover=%s by=%s",
                current.pk,
                kind,
                handover.on,
                current.unit_id,
                current.tenant_id,
                handover.pk,
                getattr(actor, "pk", None),
            )
        )
    return handover


def leases_close(today: dt.date | None = None) -> int:
    """Mark active leases whose end has passed as ended (the daily job)."""
    today = today or timezone.localdate()
    closed = 0
    with transaction.atomic():
        for lease in Allocation.objects.select_for_update().filter(
            state=Allocation.State.ACTIVE, end__lte=today
        ):
            lease.state = Allocation.State.ENDED
            lease.save(update_fields=["state"])
            event_for_allocation(lease, from_state=Allocation.State.ACTIVE, actor=None)
            closed += 1
    return closed


def leases_notify_ending(today: dt.date | None = None) -> int:
    """Tell tenants and managers once when a lease enters its last 90 days.

    A lease already renewed (the same tenant's lease of the unit continues from
    its end) is not ending: the renewal gets its own notice in its time.
    """
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=ENDING_NOTICE_DAYS)
    sent = 0
    renewed = Allocation.objects.filter(
        unit=OuterRef("unit"),
        tenant=OuterRef("tenant"),
        start=OuterRef("end"),
        state__in=(Allocation.State.ACTIVE, Allocation.State.ENDED),
    )
    with transaction.atomic():
        due = (
            Allocation.objects.select_for_update()
            .filter(
                state=Allocation.State.ACTIVE,
                end__gt=today,
                end__lte=horizon,
                ending_notice_sent_on__isnull=True,
            )
            .exclude(Exists(renewed))
        )
        for lease in due:
            lease.ending_notice_sent_on = today
            lease.save(update_fields=["ending_notice_sent_on"])
            transaction.on_commit(functools.partial(notify.lease_ending, lease.pk))
            sent += 1
    return sent

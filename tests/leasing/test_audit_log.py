"""Every allocation change is logged once committed, with ids and never personal data.

One line per change on "zaiti.leasing": the allocation's id, its state before
and after, the unit, tenant and request ids, the dates and the actor's user id.
Names, e-mail addresses and notes (free text people type) stay out of the log.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone

from leasing.leases import handover_record, lease_renew, lease_terminate, leases_close
from leasing.models import Allocation, Handover, SpaceRequest
from leasing.offers import (
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
    request_withdraw,
)
from leasing.services import allocation_update, release_expired_holds
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import (
    days,
    make_lease,
    make_manager,
    make_request,
    make_tenant_user,
    today,
)

pytestmark = pytest.mark.django_db

NOTE = "王经理手机 13800138000，先看房"  # personal data in a note
COMPANY = "昆山云启智能科技有限公司"
EMAIL = "contact@yunqi.cn"


class World:
    def __init__(self) -> None:
        self.carrier = make_carrier(code="ycl")
        self.manager = make_manager(self.carrier, username="manager-li")
        self.tenant = make_tenant(name=COMPANY, contact_email=EMAIL)
        self.tenant_user = make_tenant_user(self.tenant, username="yunqi-wang")
        self.unit = make_unit(self.carrier, code="A-301", list_rent=Decimal("48"))
        self.request = make_request(self.tenant)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def logged(
    caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Callable
) -> Callable[..., list[str]]:
    """Run a change, commit it, and return the "zaiti.leasing" lines it logged."""
    caplog.set_level(logging.INFO, logger="zaiti.leasing")

    def run(change: Callable[[], Any]) -> list[str]:
        caplog.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        lines = [r.getMessage() for r in caplog.records if r.name == "zaiti.leasing"]
        for line in lines:
            for personal in (NOTE, COMPANY, EMAIL, "manager-li", "yunqi-wang"):
                assert personal not in line
        return lines

    return run


def line(a: Allocation, before: str, after: str, by: User | None) -> str:
    return (
        f"allocation #{a.pk} {before} -> {after}: unit={a.unit_id} tenant={a.tenant_id} "
        f"request={a.request_id} [{a.start}, {a.end}) by={by.pk if by else None}"
    )


def offer(w: World, **kwargs: Any) -> Allocation:
    return offer_make(request=w.request, unit=w.unit, actor=w.manager, note=NOTE, **kwargs)


def test_it_logs_an_offer_and_its_acceptance(world: World, logged) -> None:
    holds: list[Allocation] = []
    made = logged(lambda: holds.append(offer(world)))
    hold = holds[0]
    assert made == [line(hold, "new", "held", world.manager)]

    accepted = logged(lambda: offer_accept(offer=hold, actor=world.tenant_user))
    hold.refresh_from_db()
    assert accepted == [line(hold, "held", "active", world.tenant_user)]


ANSWERS: dict[str, Callable[[World, Allocation], Any]] = {
    "decline": lambda w, hold: offer_decline(offer=hold, actor=w.tenant_user, note=NOTE),
    "withdraw_offer": lambda w, hold: offer_withdraw(offer=hold, actor=w.manager, note=NOTE),
    "withdraw_request": lambda w, hold: request_withdraw(request=w.request, actor=w.tenant_user),
}


@pytest.mark.parametrize(
    ("answer", "by"),
    [
        ("decline", "tenant_user"),
        ("withdraw_offer", "manager"),
        ("withdraw_request", "tenant_user"),
    ],
)
def test_it_logs_an_offer_answered_no(world: World, logged, answer: str, by: str) -> None:
    hold = offer(world)
    lines = logged(lambda: ANSWERS[answer](world, hold))
    hold.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert lines == [line(hold, "held", "cancelled", getattr(world, by))]


def test_it_logs_an_expired_hold(world: World, logged) -> None:
    hold = offer(world, now=timezone.now() - days(4))  # its three days ran out yesterday
    lines = logged(lambda: release_expired_holds(timezone.now()))
    hold.refresh_from_db()
    assert lines == [line(hold, "held", "cancelled", None)]


def test_it_logs_a_renewal_and_an_early_termination(world: World, logged) -> None:
    lease = make_lease(world.unit, today() - days(300), today() + days(60), tenant=world.tenant)
    renewals: list[Allocation] = []
    lines = logged(
        lambda: renewals.append(
            lease_renew(
                lease=lease, new_end=lease.end + dt.timedelta(365), actor=world.manager, note=NOTE
            )
        )
    )
    assert lines == [line(renewals[0], "new", "active", world.manager)]

    # The renewal must go first: the lease it continues cannot end alone.
    other = make_lease(make_unit(world.carrier), today() - days(90), None, tenant=world.tenant)
    later = today() + days(30)
    lines = logged(lambda: lease_terminate(lease=other, on=later, actor=world.manager, note=NOTE))
    other.refresh_from_db()
    assert other.end == later
    assert lines == [line(other, "active", "active", world.manager)]

    lines = logged(lambda: lease_terminate(lease=other, on=today(), actor=world.manager))
    other.refresh_from_db()
    assert lines == [line(other, "active", "ended", world.manager)]


def test_it_logs_a_lease_reaching_its_end(world: World, logged) -> None:
    lease = make_lease(world.unit, today() - days(365), today(), tenant=world.tenant)
    lines = logged(leases_close)
    lease.refresh_from_db()
    assert lines == [line(lease, "active", "ended", None)]


def test_it_logs_a_handover(world: World, logged) -> None:
    lease = make_lease(world.unit, today() - days(10), None, tenant=world.tenant)
    handovers: list[Handover] = []
    lines = logged(
        lambda: handovers.append(
            handover_record(
                lease=lease,
                kind=Handover.Kind.MOVE_IN,
                actor=world.manager,
                on=today() - days(8),
                notes=NOTE,
            )
        )
    )
    assert lines == [
        f"allocation #{lease.pk} handover move_in on {today() - days(8)}: unit={world.unit.pk} "
        f"tenant={world.tenant.pk} handover={handovers[0].pk} by={world.manager.pk}"
    ]


def test_it_logs_a_cancellation_in_the_admin(world: World, logged) -> None:
    lease = make_lease(world.unit, today() + days(10), None, tenant=world.tenant)
    lease.state = Allocation.State.CANCELLED
    lines = logged(lambda: allocation_update(lease, actor=world.manager, reason=NOTE))
    assert line(lease, "active", "cancelled", world.manager) in lines


def test_it_logs_nothing_for_a_change_that_was_refused(world: World, logged) -> None:
    make_lease(world.unit, today(), None, tenant=make_tenant())  # the unit is taken
    with pytest.raises(ValidationError):
        logged(lambda: offer(world))
    assert not Allocation.objects.filter(request=world.request).exists()


def test_it_logs_nothing_for_a_change_rolled_back_after_it_was_made(
    world: World, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks
) -> None:
    from django.db import transaction

    caplog.set_level(logging.INFO, logger="zaiti.leasing")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                offer(world)
                raise RuntimeError("the caller fails after the offer")
        except RuntimeError:
            pass
    assert not [r for r in caplog.records if r.name == "zaiti.leasing"]
    assert SpaceRequest.objects.get().status == SpaceRequest.Status.SUBMITTED

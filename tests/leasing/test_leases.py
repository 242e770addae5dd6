"""Lease life after acceptance (leasing.leases): renewal, early termination,
handovers, the daily close and end-of-lease notices, and the scheduled jobs
(`expire_holds`, `leases_daily`) run through call_command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext

from carriers.models import Carrier, Unit
from leasing.leases import (
    ENDING_NOTICE_DAYS,
    handover_record,
    lease_renew,
    lease_terminate,
    leases_close,
    leases_notify_ending,
)
from leasing.models import Allocation, Event, Handover, SpaceRequest, Tenant
from leasing.offers import offer_make
from leasing.services import AllocationConflict
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


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The default language is Chinese; these tests read the English source messages.
    with translation.override("en"):
        yield


@pytest.fixture
def carrier() -> Carrier:
    return make_carrier(name="国家高新区集成创新中心", code="jc")


@pytest.fixture
def manager(carrier: Carrier) -> User:
    return make_manager(carrier, username="manager")


@pytest.fixture
def tenant() -> Tenant:
    company = make_tenant(name="昆山复容生物科技有限公司", contact_email="office@furong.cn")
    make_tenant_user(company, username="furong")
    return company


@pytest.fixture
def unit(carrier: Carrier) -> Unit:
    return make_unit(carrier, code="B-502", list_rent=Decimal("50.00"))


@pytest.fixture
def lease(unit: Unit, tenant: Tenant) -> Allocation:
    """A year's lease that began 200 days ago, at an agreed rent."""
    start = today() - days(200)
    return make_lease(
        unit,
        start,
        start + days(365),
        tenant=tenant,
        contracted_rent=Decimal("42.00"),
        deposit=Decimal("25200"),
        counts_as_incubation=True,
    )


def last_event(**subject: object) -> tuple[str, str, str, int | None]:
    return (
        Event.objects.filter(**subject)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "note", "actor_id")
        .last()
    )


def ledger() -> list[tuple[int, str, dt.date, dt.date | None]]:
    return list(Allocation.objects.values_list("pk", "state", "start", "end").order_by("pk"))


# --- lease_renew ----------------------------------------------------------------------------


def test_it_renews_a_lease_from_its_end_without_a_gap(lease: Allocation, manager: User) -> None:
    new_end = lease.end + days(365)

    renewal = lease_renew(lease=lease, new_end=new_end, actor=manager)

    renewal.refresh_from_db()
    assert renewal.pk != lease.pk
    assert (renewal.start, renewal.end) == (lease.end, new_end)
    assert (renewal.unit, renewal.tenant) == (lease.unit, lease.tenant)
    assert renewal.state == Allocation.State.ACTIVE
    assert renewal.contracted_rent == Decimal("42.00")  # the old rent, not the list rent
    assert renewal.deposit == Decimal("25200.00")
    assert renewal.counts_as_incubation
    assert renewal.signed_on == today()
    assert renewal.created_by == manager
    assert last_event(allocation=renewal) == (
        "",
        "active",
        f"Renewal of lease #{lease.pk}.",
        manager.pk,
    )
    lease.refresh_from_db()
    assert lease.state == Allocation.State.ACTIVE  # the old lease runs to its end


def test_it_renews_at_a_new_rent_or_open_ended(lease: Allocation, manager: User) -> None:
    renewal = lease_renew(
        lease=lease, new_end=None, actor=manager, contracted_rent=Decimal("45.00"), note="续租"
    )
    assert (renewal.start, renewal.end, renewal.contracted_rent) == (
        lease.end,
        None,
        Decimal("45.00"),
    )
    assert last_event(allocation=renewal)[2] == "续租"


def test_it_refuses_to_renew_an_open_ended_lease(unit: Unit, manager: User) -> None:
    open_ended = make_lease(unit, today() - days(30), None)
    with pytest.raises(ValidationError) as exc:
        lease_renew(lease=open_ended, new_end=today() + days(365), actor=manager)
    assert exc.value.code == "lease_open_ended"
    assert exc.value.messages == [
        f"Lease #{open_ended.pk} is open-ended: there is nothing to renew."
    ]
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize("offset", [0, -1, -100], ids=["same-end", "a-day-before", "earlier"])
def test_it_refuses_a_renewal_that_does_not_end_after_the_lease(
    lease: Allocation, manager: User, offset: int
) -> None:
    with pytest.raises(ValidationError) as exc:
        lease_renew(lease=lease, new_end=lease.end + days(offset), actor=manager)
    assert exc.value.message_dict == {"new_end": [f"The renewal must end after {lease.end}."]}
    assert exc.value.error_dict["new_end"][0].code == "renewal_too_short"
    assert Allocation.objects.count() == 1


def test_it_refuses_a_renewal_that_meets_another_tenants_later_lease(
    lease: Allocation, unit: Unit, manager: User
) -> None:
    later = make_lease(
        unit, lease.end + days(30), lease.end + days(400), tenant=make_tenant(name="后来公司")
    )
    before = (ledger(), Event.objects.count())

    with pytest.raises(AllocationConflict) as exc:
        lease_renew(lease=lease, new_end=lease.end + days(365), actor=manager)

    assert exc.value.conflicting == later
    assert f"lease #{later.pk} to 后来公司" in exc.value.messages[0]
    assert (ledger(), Event.objects.count()) == before
    # Up to the next lease's start is fine.
    assert lease_renew(lease=lease, new_end=later.start, actor=manager).end == later.start


@pytest.mark.parametrize("state", [Allocation.State.ENDED, Allocation.State.CANCELLED])
def test_it_renews_only_an_active_lease(lease: Allocation, manager: User, state: str) -> None:
    Allocation.objects.filter(pk=lease.pk).update(state=state)
    with pytest.raises(ValidationError) as exc:
        lease_renew(lease=lease, new_end=lease.end + days(365), actor=manager)
    assert exc.value.code == "lease_not_active"


# --- lease_terminate ------------------------------------------------------------------------


def test_it_ends_a_lease_early_on_a_future_date_and_keeps_it_active_until_then(
    lease: Allocation, manager: User
) -> None:
    on = today() + days(30)
    lease_terminate(lease=lease, on=on, actor=manager, note="公司搬迁")
    lease.refresh_from_db()
    assert lease.end == on
    assert lease.state == Allocation.State.ACTIVE
    assert last_event(allocation=lease) == ("active", "active", "公司搬迁", manager.pk)


@pytest.mark.parametrize("offset", [0, -10], ids=["today", "in-the-past"])
def test_it_ends_a_lease_at_once_when_the_date_has_come(
    lease: Allocation, manager: User, offset: int
) -> None:
    on = today() + days(offset)
    lease_terminate(lease=lease, on=on, actor=manager)
    lease.refresh_from_db()
    assert (lease.end, lease.state) == (on, Allocation.State.ENDED)
    assert last_event(allocation=lease) == (
        "active",
        "ended",
        f"Terminated early; free from {on}.",
        manager.pk,
    )


def test_it_frees_the_unit_from_the_termination_date(
    lease: Allocation, unit: Unit, manager: User
) -> None:
    on = today() + days(30)
    lease_terminate(lease=lease, on=on, actor=manager)
    make_lease(unit, on, on + days(365))  # the next tenant may move in that very day


def test_it_ends_an_open_ended_lease(unit: Unit, manager: User) -> None:
    open_ended = make_lease(unit, today() - days(30), None)
    lease_terminate(lease=open_ended, on=today() + days(60), actor=manager)
    open_ended.refresh_from_db()
    assert open_ended.end == today() + days(60)


@pytest.mark.parametrize(
    ("on", "code", "message"),
    [
        pytest.param(
            lambda lease: lease.start,
            "terminate_before_start",
            "A lease can only end after it starts ({start}).",
            id="on-the-start",
        ),
        pytest.param(
            lambda lease: lease.start - days(1),
            "terminate_before_start",
            "A lease can only end after it starts ({start}).",
            id="before-the-start",
        ),
        pytest.param(
            lambda lease: lease.end,
            "terminate_after_end",
            "The lease already ends on {end}.",
            id="on-the-end",
        ),
        pytest.param(
            lambda lease: lease.end + days(1),
            "terminate_after_end",
            "The lease already ends on {end}.",
            id="after-the-end",
        ),
    ],
)
def test_it_refuses_a_termination_date_outside_the_lease(
    lease: Allocation, manager: User, on: Callable, code: str, message: str
) -> None:
    before = (ledger(), Event.objects.count())
    with pytest.raises(ValidationError) as exc:
        lease_terminate(lease=lease, on=on(lease), actor=manager)
    assert exc.value.message_dict == {"on": [message.format(start=lease.start, end=lease.end)]}
    assert exc.value.error_dict["on"][0].code == code
    assert (ledger(), Event.objects.count()) == before


def test_it_terminates_only_an_active_lease(lease: Allocation, manager: User) -> None:
    lease_terminate(lease=lease, on=today(), actor=manager)
    with pytest.raises(ValidationError) as exc:
        lease_terminate(lease=lease, on=today() - days(1), actor=manager)
    assert exc.value.code == "lease_not_active"
    assert exc.value.messages == [
        f"Lease #{lease.pk} is Ended: only an active lease can be changed this way."
    ]


# --- handover_record ------------------------------------------------------------------------


def test_it_records_the_move_in_and_move_out_with_their_dates(
    lease: Allocation, manager: User
) -> None:
    move_in = handover_record(
        lease=lease,
        kind=Handover.Kind.MOVE_IN,
        actor=manager,
        on=lease.start + days(3),
        keys=4,
        access_cards=12,
        furniture="工位 × 20，良好\n会议桌 × 1",
        electricity_kwh=Decimal("10234.5"),
        water_m3=Decimal("88.0"),
        notes="钥匙已交接",
    )
    lease.refresh_from_db()
    assert lease.moved_in_on == lease.start + days(3)
    assert lease.moved_out_on is None
    move_in.refresh_from_db()
    assert (move_in.allocation, move_in.kind, move_in.recorded_by) == (
        lease,
        Handover.Kind.MOVE_IN,
        manager,
    )
    assert (move_in.keys, move_in.access_cards, move_in.electricity_kwh) == (
        4,
        12,
        Decimal("10234.5"),
    )

    handover_record(lease=lease, kind=Handover.Kind.MOVE_OUT, actor=manager, on=today())
    lease.refresh_from_db()
    assert (lease.moved_in_on, lease.moved_out_on) == (lease.start + days(3), today())
    assert lease.handovers.count() == 2


@pytest.mark.parametrize("kind", [Handover.Kind.MOVE_IN, Handover.Kind.MOVE_OUT])
def test_it_refuses_a_second_handover_of_the_same_kind(
    lease: Allocation, manager: User, kind: str
) -> None:
    first_day = lease.start + days(1)
    handover_record(lease=lease, kind=kind, actor=manager, on=first_day)
    with pytest.raises(ValidationError) as exc:
        handover_record(lease=lease, kind=kind, actor=manager, on=first_day + days(5))
    assert "This lease already has this handover." in exc.value.messages
    assert lease.handovers.count() == 1
    lease.refresh_from_db()
    assert first_day in (lease.moved_in_on, lease.moved_out_on)  # not the second date


@pytest.mark.parametrize("meter", ["electricity_kwh", "water_m3"])
def test_it_refuses_a_negative_meter_reading(lease: Allocation, manager: User, meter: str) -> None:
    with pytest.raises(ValidationError) as exc:
        handover_record(
            lease=lease,
            kind=Handover.Kind.MOVE_IN,
            actor=manager,
            on=lease.start,
            **{meter: Decimal("-1")},
        )
    assert "Meter readings cannot be negative." in exc.value.messages
    assert not Handover.objects.exists()
    lease.refresh_from_db()
    assert lease.moved_in_on is None


def test_it_records_handovers_of_an_ended_lease(lease: Allocation, manager: User) -> None:
    lease_terminate(lease=lease, on=today(), actor=manager)
    handover_record(lease=lease, kind=Handover.Kind.MOVE_OUT, actor=manager, on=today())
    lease.refresh_from_db()
    assert lease.moved_out_on == today()


@pytest.mark.parametrize("state", [Allocation.State.HELD, Allocation.State.CANCELLED])
def test_it_refuses_a_handover_of_an_offer_or_a_cancelled_allocation(
    unit: Unit, tenant: Tenant, manager: User, state: str
) -> None:
    request = make_request(tenant)
    offer = offer_make(request=request, unit=unit, actor=manager)
    Allocation.objects.filter(pk=offer.pk).update(state=state)
    with pytest.raises(ValidationError) as exc:
        handover_record(lease=offer, kind=Handover.Kind.MOVE_IN, actor=manager, on=offer.start)
    assert exc.value.code == "handover_not_lease"
    assert exc.value.messages == [
        "Handovers are recorded for leases, not for offers or cancelled ones."
    ]
    assert not Handover.objects.exists()


# --- leases_close ---------------------------------------------------------------------------


def test_it_closes_active_leases_whose_end_has_come(unit: Unit, carrier: Carrier) -> None:
    ended_today = make_lease(unit, today() - days(365), today())
    ended_long_ago = make_lease(make_unit(carrier), today() - days(400), today() - days(30))
    ends_tomorrow = make_lease(make_unit(carrier), today() - days(10), today() + days(1))
    open_ended = make_lease(make_unit(carrier), today() - days(10), None)

    assert leases_close() == 2

    states = dict(Allocation.objects.values_list("pk", "state"))
    assert states[ended_today.pk] == Allocation.State.ENDED
    assert states[ended_long_ago.pk] == Allocation.State.ENDED
    assert states[ends_tomorrow.pk] == Allocation.State.ACTIVE
    assert states[open_ended.pk] == Allocation.State.ACTIVE
    assert last_event(allocation=ended_today) == ("active", "ended", "", None)

    # Idempotent: nothing is left to close, and no event is written twice.
    events = Event.objects.count()
    assert leases_close() == 0
    assert Event.objects.count() == events


def test_it_closes_by_the_date_it_is_given(unit: Unit) -> None:
    lease = make_lease(unit, today() - days(10), today() + days(5))
    assert leases_close(today() + days(4)) == 0
    assert leases_close(today() + days(5)) == 1
    lease.refresh_from_db()
    assert lease.state == Allocation.State.ENDED


def test_it_leaves_holds_alone_when_closing(unit: Unit, tenant: Tenant, manager: User) -> None:
    offer = offer_make(
        request=make_request(tenant, move_in_on=today(), term_months=1), unit=unit, actor=manager
    )
    assert leases_close(offer.end + days(1)) == 0
    offer.refresh_from_db()
    assert offer.state == Allocation.State.HELD


# --- leases_notify_ending -------------------------------------------------------------------


def test_it_notifies_once_about_leases_entering_their_last_90_days(
    unit: Unit,
    carrier: Carrier,
    tenant: Tenant,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    due = make_lease(unit, today() - days(300), today() + days(ENDING_NOTICE_DAYS), tenant=tenant)
    soon = make_lease(make_unit(carrier), today() - days(300), today() + days(1))
    later = make_lease(make_unit(carrier), today() - days(300), today() + days(91))
    make_lease(make_unit(carrier), today() - days(300), None)  # open-ended: never ends
    make_lease(make_unit(carrier), today() - days(300), today())  # already over

    with django_capture_on_commit_callbacks(execute=True):
        assert leases_notify_ending() == 2

    notified = dict(Allocation.objects.values_list("pk", "ending_notice_sent_on"))
    assert notified[due.pk] == notified[soon.pk] == today()
    assert notified[later.pk] is None
    assert len(mailoutbox) == 2
    mail = next(m for m in mailoutbox if "B-502" in m.subject)
    last_day = (due.end - days(1)).isoformat()
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Zaiti: lease #%(lease)s of unit %(unit)s ends after %(last)s") % {
            "lease": due.pk,
            "unit": "B-502",
            "last": last_day,
        }
    assert mail.subject == subject
    assert mail.to == ["furong@example.cn", "manager@example.cn", "office@furong.cn"]

    # The second run, the same day or the next, sends nothing again.
    with django_capture_on_commit_callbacks(execute=True):
        assert leases_notify_ending() == 0
        assert leases_notify_ending(today() + days(1)) == 1  # `later` has now come due
    assert len(mailoutbox) == 3


def test_it_does_not_tell_a_tenant_who_has_renewed_that_the_lease_ends(
    lease: Allocation,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    renewal = lease_renew(lease=lease, new_end=lease.end + days(365), actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        assert leases_notify_ending(lease.end - days(10)) == 0
        # The renewal gets its own notice when its last 90 days come.
        assert leases_notify_ending(renewal.end - days(10)) == 1
    assert len(mailoutbox) == 1
    assert str(renewal.pk) in mailoutbox[0].subject


def test_it_still_tells_a_tenant_whose_unit_goes_to_someone_else(
    lease: Allocation, unit: Unit, mailoutbox: list, django_capture_on_commit_callbacks: Callable
) -> None:
    make_lease(unit, lease.end, lease.end + days(365))  # the next company, not a renewal
    with django_capture_on_commit_callbacks(execute=True):
        assert leases_notify_ending(lease.end - days(10)) == 1
    assert len(mailoutbox) == 1


# --- the scheduled jobs -------------------------------------------------------------------------


def run(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def test_it_releases_expired_holds_from_the_expire_holds_command(
    unit: Unit,
    tenant: Tenant,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    request = make_request(tenant)
    hold = offer_make(request=request, unit=unit, actor=manager, now=timezone.now() - days(4))

    with django_capture_on_commit_callbacks(execute=True):
        assert run("expire_holds") == "Released 1 expired holds; 0 requests back in the queue.\n"
        assert run("expire_holds") == "Released 0 expired holds; 0 requests back in the queue.\n"

    hold.refresh_from_db()
    request.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert request.status == SpaceRequest.Status.SUBMITTED
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True)
def test_it_runs_expire_holds_outside_any_transaction(mailoutbox: list) -> None:
    """As cron runs it: in autocommit mode, where PostgreSQL refuses a row lock
    outside a transaction unless the job opens one."""
    carrier = make_carrier()
    manager = make_manager(carrier)
    company = make_tenant(contact_email="a@b.cn")
    hold = offer_make(
        request=make_request(company),
        unit=make_unit(carrier),
        actor=manager,
        now=timezone.now() - days(4),
    )
    mailoutbox.clear()  # the offer's own mail

    with translation.override("en"):
        assert run("expire_holds") == "Released 1 expired holds; 0 requests back in the queue.\n"

    hold.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert len(mailoutbox) == 1


def test_it_reopens_a_request_whose_lapsed_offer_was_released_without_it(
    unit: Unit, tenant: Tenant, manager: User
) -> None:
    # As when release_expired_holds() skipped the request because another
    # transaction held its lock: the hold is cancelled, the request still "offered".
    request = make_request(tenant)
    hold = offer_make(request=request, unit=unit, actor=manager)
    Allocation.objects.filter(pk=hold.pk).update(state=Allocation.State.CANCELLED)

    with translation.override("en"):
        assert run("expire_holds") == "Released 0 expired holds; 1 requests back in the queue.\n"

    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.SUBMITTED
    assert request.events.last().from_state == SpaceRequest.Status.OFFERED


def test_it_closes_and_notifies_from_the_daily_command_once_a_day(
    unit: Unit,
    carrier: Carrier,
    tenant: Tenant,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    over = make_lease(unit, today() - days(365), today(), tenant=tenant)
    ending = make_lease(make_unit(carrier), today() - days(300), today() + days(60), tenant=tenant)

    with django_capture_on_commit_callbacks(execute=True):
        first = run("leases_daily")
        second = run("leases_daily")

    assert first == (
        "Ended 1 leases whose end date has passed.\n"
        "Sent 1 notices of leases ending within 90 days.\n"
    )
    assert second == (
        "Ended 0 leases whose end date has passed.\n"
        "Sent 0 notices of leases ending within 90 days.\n"
    )
    over.refresh_from_db()
    ending.refresh_from_db()
    assert over.state == Allocation.State.ENDED
    assert ending.ending_notice_sent_on == today()
    assert len(mailoutbox) == 1

"""The request workflow: submit, offer (a hold with an expiry), accept, decline,
withdraw, close, and holds that expire (leasing.offers, leasing.services).

Every test that changes a state checks the recorded events and, where mail is
sent, that it goes out only when the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from carriers.models import Carrier, Unit
from leasing.models import Allocation, Event, SpaceRequest, Tenant
from leasing.notify import offer_made
from leasing.offers import (
    HOLD_DAYS,
    live_offer,
    offer_accept,
    offer_decline,
    offer_make,
    offer_withdraw,
    request_close,
    request_submit,
    request_withdraw,
)
from leasing.services import AllocationConflict, allocation_create, release_expired_holds
from leasing.terms import add_months
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import (
    days,
    make_lease,
    make_manager,
    make_request,
    make_tenant_user,
    make_user,
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
    return make_carrier(name="阳澄湖两岸科创中心", code="ycl")


@pytest.fixture
def manager(carrier: Carrier) -> User:
    return make_manager(carrier, username="manager")


@pytest.fixture
def tenant() -> Tenant:
    company = make_tenant(name="昆山云启智能科技有限公司", contact_email="contact@yunqi.cn")
    make_tenant_user(company, username="yunqi")
    make_tenant_user(company, username="yunqi-cfo")
    return company


@pytest.fixture
def unit(carrier: Carrier) -> Unit:
    return make_unit(carrier, code="A-301", list_rent=Decimal("48.00"))


@pytest.fixture
def request_(tenant: Tenant) -> SpaceRequest:
    return make_request(tenant)


def events(**subject: object) -> list[tuple[str, str, str, int | None]]:
    """(from, to, note, actor id) of the events of a request or an allocation, in order."""
    return list(
        Event.objects.filter(**subject)
        .order_by("at", "pk")
        .values_list("from_state", "to_state", "note", "actor_id")
    )


def in_site_language(message: str, **params: object) -> str:
    """A message as the mail renders it: in the site's default language."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(message) % params


def expired_offer(request: SpaceRequest, unit: Unit, actor: User, **fields: Any) -> Allocation:
    """An offer made four days ago, whose three-day hold lapsed a day ago."""
    return offer_make(
        request=request, unit=unit, actor=actor, now=timezone.now() - days(4), **fields
    )


def ledger() -> list[tuple[int, str]]:
    return list(Allocation.objects.values_list("pk", "state").order_by("pk"))


# --- request_submit ---------------------------------------------------------------------


def request_fields(**overrides: object) -> dict[str, object]:
    return {
        "area_min": Decimal("150"),
        "area_max": Decimal("250"),
        "unit_kind": Unit.Kind.OFFICE,
        "seats": 20,
        "move_in_on": today() + days(30),
        "term_months": 24,
        **overrides,
    }


def test_it_submits_a_request_and_records_it(tenant: Tenant, carrier: Carrier) -> None:
    user = tenant.users.first()
    token = uuid.uuid4()
    request, created = request_submit(
        tenant=tenant,
        actor=user,
        client_token=token,
        preferred_carriers=[carrier],
        **request_fields(fit_out=SpaceRequest.FitOut.TAILORED, power_kva=200),
    )
    assert created
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.SUBMITTED
    assert (request.tenant, request.submitted_by, request.client_token) == (tenant, user, token)
    assert (request.fit_out, request.power_kva) == (SpaceRequest.FitOut.TAILORED, 200)
    assert list(request.preferred_carriers.all()) == [carrier]
    assert events(request=request) == [("", "submitted", "", user.pk)]


def test_it_returns_the_first_request_when_the_same_form_is_sent_twice(tenant: Tenant) -> None:
    user = tenant.users.first()
    token = uuid.uuid4()
    first, created = request_submit(
        tenant=tenant, actor=user, client_token=token, **request_fields()
    )
    again, created_again = request_submit(
        tenant=tenant, actor=user, client_token=token, **request_fields(seats=99)
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert again.seats == 20  # the second post changes nothing
    assert SpaceRequest.objects.count() == 1
    assert Event.objects.count() == 1


def test_it_treats_a_new_form_token_as_a_new_request(tenant: Tenant) -> None:
    user = tenant.users.first()
    request_submit(tenant=tenant, actor=user, client_token=uuid.uuid4(), **request_fields())
    request_submit(tenant=tenant, actor=user, client_token=uuid.uuid4(), **request_fields())
    request_submit(tenant=tenant, actor=user, **request_fields())  # no token: never deduplicated
    request_submit(tenant=tenant, actor=user, **request_fields())
    assert SpaceRequest.objects.filter(tenant=tenant).count() == 4


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        pytest.param(
            {"area_min": Decimal("300"), "area_max": Decimal("200")},
            "area_max",
            "The maximum area must not be less than the minimum area.",
            id="area-min-over-max",
        ),
        pytest.param(
            {"term_months": 0},
            "term_months",
            "Ensure this value is greater than or equal to 1.",
            id="term-of-zero",
        ),
        pytest.param(
            {"unit_kind": "castle"},
            "unit_kind",
            "Value 'castle' is not a valid choice.",
            id="unknown-kind",
        ),
    ],
)
def test_it_refuses_an_invalid_request_and_saves_nothing(
    tenant: Tenant, carrier: Carrier, overrides: dict, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        request_submit(
            tenant=tenant,
            actor=tenant.users.first(),
            client_token=uuid.uuid4(),
            preferred_carriers=[carrier],
            **request_fields(**overrides),
        )
    assert message in exc.value.message_dict[field]
    assert not SpaceRequest.objects.exists()
    assert not Event.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_request_when_the_same_form_arrives_twice_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A double click that really races: both submissions miss the look-up, the
    second insert waits for the first and is refused by the unique constraint,
    and it returns the first request instead of failing."""
    tenant = make_tenant()
    token = uuid.uuid4()
    barrier = threading.Barrier(2)
    original = SpaceRequest.full_clean

    def slow_full_clean(self: SpaceRequest, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        time.sleep(0.3)  # both are past the look-up before either inserts

    monkeypatch.setattr(SpaceRequest, "full_clean", slow_full_clean)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=10)
            request, created = request_submit(
                tenant=tenant, actor=None, client_token=token, **request_fields()
            )
            results.append((request.pk, created))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({pk for pk, _ in results}) == 1
    assert SpaceRequest.objects.filter(tenant=tenant).count() == 1
    assert Event.objects.filter(tenant=tenant).count() == 1


# --- offer_make ---------------------------------------------------------------------------


def test_it_offers_a_unit_as_a_hold_for_three_days_over_the_requested_term(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    now = timezone.now()
    hold = offer_make(request=request_, unit=unit, actor=manager, note="最合适的一间", now=now)

    hold.refresh_from_db()
    request_.refresh_from_db()
    assert HOLD_DAYS == 3
    assert hold.state == Allocation.State.HELD
    assert hold.hold_expires_at == now + dt.timedelta(days=3)
    assert (hold.unit, hold.tenant, hold.request) == (unit, request_.tenant, request_)
    assert hold.start == request_.move_in_on
    assert hold.end == add_months(request_.move_in_on, 12)
    assert hold.contracted_rent == Decimal("48.00")  # the list rent unless agreed otherwise
    assert hold.created_by == manager
    assert request_.status == SpaceRequest.Status.OFFERED
    assert hold.note == "最合适的一间"
    assert events(allocation=hold) == [("", "held", "最合适的一间", manager.pk)]
    # The note stays with the hold: other carriers' managers read the request's history.
    assert events(request=request_, allocation=None) == [("submitted", "offered", "", manager.pk)]
    assert live_offer(request_) == hold


def test_it_takes_the_dates_rent_and_expiry_the_manager_gives(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    start = request_.move_in_on + days(14)
    expires = timezone.now() + dt.timedelta(hours=36)
    hold = offer_make(
        request=request_,
        unit=unit,
        actor=manager,
        start=start,
        end=add_months(start, 6),
        expires_at=expires,
        contracted_rent=Decimal("40.00"),
        rent_free_months=2,
        deposit=Decimal("30000"),
    )
    hold.refresh_from_db()
    assert (hold.start, hold.end, hold.hold_expires_at) == (start, add_months(start, 6), expires)
    assert (hold.contracted_rent, hold.rent_free_months, hold.deposit) == (
        Decimal("40.00"),
        2,
        Decimal("30000.00"),
    )


def test_it_derives_the_end_from_a_start_the_manager_moves(
    tenant: Tenant, unit: Unit, manager: User
) -> None:
    request = make_request(tenant, move_in_on=today() + days(10), term_months=24)
    start = dt.date(today().year + 1, 1, 31)
    hold = offer_make(request=request, unit=unit, actor=manager, start=start)
    assert hold.end == add_months(start, 24)


def test_it_emails_the_offer_to_the_tenants_users_and_contact_after_commit(
    request_: SpaceRequest,
    unit: Unit,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    request_.tenant.users.add(make_user("no-mail", email=""))  # has no address: skipped
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hold = offer_make(request=request_, unit=unit, actor=manager)
    assert mailoutbox == []  # nothing is sent before the offer is committed
    mails = [c for c in callbacks if getattr(c, "func", None) is offer_made]
    assert len(mails) == 1  # (the other callbacks move the dashboard's cache on)
    mails[0]()

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["contact@yunqi.cn", "yunqi-cfo@example.cn", "yunqi@example.cn"]
    assert mail.subject == in_site_language(
        "Zaiti: an offer of unit %(unit)s at %(carrier)s",
        unit="A-301",
        carrier="阳澄湖两岸科创中心",
    )
    assert "A-301" in mail.body
    assert timezone.localtime(hold.hold_expires_at).strftime("%Y-%m-%d %H:%M") in mail.body


@pytest.mark.parametrize(
    "status",
    [SpaceRequest.Status.CLOSED, SpaceRequest.Status.WITHDRAWN, SpaceRequest.Status.ACCEPTED],
)
def test_it_refuses_to_offer_on_a_request_that_is_no_longer_open(
    request_: SpaceRequest, unit: Unit, manager: User, status: str
) -> None:
    SpaceRequest.objects.filter(pk=request_.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        offer_make(request=request_, unit=unit, actor=manager)
    assert exc.value.code == "request_closed"
    label = SpaceRequest.Status(status).label
    assert exc.value.messages == [
        f"Request #{request_.pk} is {label}: it can no longer be offered a unit."
    ]
    assert not Allocation.objects.exists()
    assert not Event.objects.exists()


def test_it_refuses_a_second_offer_while_one_is_open(
    request_: SpaceRequest, unit: Unit, carrier: Carrier, manager: User
) -> None:
    first = offer_make(request=request_, unit=unit, actor=manager)
    other = make_unit(carrier, code="A-302")
    before = (ledger(), Event.objects.count())

    with pytest.raises(ValidationError) as exc:
        offer_make(request=request_, unit=other, actor=manager)

    expires = timezone.localtime(first.hold_expires_at).strftime("%Y-%m-%d %H:%M")
    assert exc.value.code == "offer_open"
    assert exc.value.messages == [
        f"Request #{request_.pk} already has an open offer, held until {expires}. "
        "It must be withdrawn or expire before another unit is offered."
    ]
    assert (ledger(), Event.objects.count()) == before


def test_it_allows_a_new_offer_once_the_previous_one_has_lapsed(
    request_: SpaceRequest, unit: Unit, carrier: Carrier, manager: User
) -> None:
    lapsed = expired_offer(request_, unit, manager)
    other = make_unit(carrier, code="A-302")

    fresh = offer_make(request=request_, unit=other, actor=manager)

    lapsed.refresh_from_db()
    request_.refresh_from_db()
    assert lapsed.state == Allocation.State.CANCELLED
    assert fresh.state == Allocation.State.HELD
    assert request_.status == SpaceRequest.Status.OFFERED
    # offered → submitted (the lapse), then submitted → offered (the new offer)
    assert [e[:2] for e in events(request=request_, allocation=None)] == [
        ("submitted", "offered"),
        ("offered", "submitted"),
        ("submitted", "offered"),
    ]


def test_it_refuses_an_offer_starting_in_the_past(
    tenant: Tenant, unit: Unit, manager: User
) -> None:
    request = make_request(tenant)
    with pytest.raises(ValidationError) as exc:
        offer_make(request=request, unit=unit, actor=manager, start=today() - days(1))
    assert exc.value.message_dict == {"start": ["The start date cannot be in the past."]}
    assert exc.value.error_dict["start"][0].code == "start_past"
    assert not Allocation.objects.exists()
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.SUBMITTED


def test_it_offers_a_start_of_today(tenant: Tenant, unit: Unit, manager: User) -> None:
    request = make_request(tenant, move_in_on=today())
    assert offer_make(request=request, unit=unit, actor=manager).start == today()


def test_it_refuses_to_offer_a_leased_unit_naming_the_lease_and_saves_nothing(
    request_: SpaceRequest,
    unit: Unit,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    holder = make_tenant(name="德国医谷创新公司")
    lease = make_lease(unit, today() - days(100), request_.move_in_on + days(10), tenant=holder)
    before = (ledger(), Event.objects.count())

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(AllocationConflict) as exc,
    ):
        offer_make(request=request_, unit=unit, actor=manager)

    assert exc.value.conflicting == lease
    assert exc.value.messages == [
        f"Unit A-301 is already allocated for these dates: lease #{lease.pk} to 德国医谷创新公司, "
        f"{lease.period_label} (Active). Nothing was saved."
    ]
    assert (ledger(), Event.objects.count()) == before
    request_.refresh_from_db()
    assert request_.status == SpaceRequest.Status.SUBMITTED
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("unit_fields", "field"),
    [
        pytest.param({"leasable": False}, "unit", id="not-for-lease"),
        pytest.param({"retired_on": "soon"}, "end", id="retired-during-the-term"),
        pytest.param({"in_service_from": "later"}, "start", id="not-yet-in-service"),
    ],
)
def test_it_refuses_to_offer_a_unit_that_cannot_be_let_for_the_term(
    request_: SpaceRequest, carrier: Carrier, manager: User, unit_fields: dict, field: str
) -> None:
    if unit_fields.get("retired_on") == "soon":
        unit_fields = {"retired_on": request_.move_in_on + days(60)}
    if unit_fields.get("in_service_from") == "later":
        unit_fields = {"in_service_from": request_.move_in_on + days(1)}
    unit = make_unit(carrier, **unit_fields)
    with pytest.raises(ValidationError) as exc:
        offer_make(request=request_, unit=unit, actor=manager)
    assert not isinstance(exc.value, AllocationConflict)
    assert field in exc.value.message_dict
    assert not Allocation.objects.exists()
    request_.refresh_from_db()
    assert request_.status == SpaceRequest.Status.SUBMITTED


# --- offer_accept -------------------------------------------------------------------------


def test_it_turns_an_accepted_offer_into_the_active_lease_signed_today(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    hold = offer_make(request=request_, unit=unit, actor=manager)
    user = request_.tenant.users.first()

    lease = offer_accept(offer=hold, actor=user)

    lease.refresh_from_db()
    request_.refresh_from_db()
    assert lease.pk == hold.pk  # the very row that held the unit
    assert lease.state == Allocation.State.ACTIVE
    assert lease.hold_expires_at is None
    assert lease.signed_on == today()
    assert (lease.start, lease.end) == (hold.start, hold.end)
    assert request_.status == SpaceRequest.Status.ACCEPTED
    assert events(allocation=lease) == [
        ("", "held", "", manager.pk),
        ("held", "active", "", user.pk),
    ]
    assert events(request=request_, allocation=None)[-1] == ("offered", "accepted", "", user.pk)
    assert live_offer(request_) is None


def test_it_emails_the_acceptance_to_managers_and_tenant_after_commit(
    request_: SpaceRequest,
    unit: Unit,
    carrier: Carrier,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    make_manager(carrier, username="manager2")
    make_manager(make_carrier(), username="elsewhere")  # another carrier's manager hears nothing
    hold = offer_make(request=request_, unit=unit, actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        offer_accept(offer=hold, actor=request_.tenant.users.first())

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [
        "contact@yunqi.cn",
        "manager2@example.cn",
        "manager@example.cn",
        "yunqi-cfo@example.cn",
        "yunqi@example.cn",
    ]
    assert mailoutbox[0].subject == in_site_language(
        "Zaiti: %(tenant)s accepted unit %(unit)s", tenant="昆山云启智能科技有限公司", unit="A-301"
    )


def test_it_refuses_to_accept_an_expired_offer_and_changes_nothing(
    request_: SpaceRequest,
    unit: Unit,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    hold = expired_offer(request_, unit, manager)
    before = (ledger(), Event.objects.count())

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationError) as exc,
    ):
        offer_accept(offer=hold, actor=request_.tenant.users.first())

    expires = timezone.localtime(hold.hold_expires_at).strftime("%Y-%m-%d %H:%M")
    assert exc.value.code == "offer_expired"
    assert exc.value.messages == [
        f"This offer expired at {expires}; ask the carrier for a new one."
    ]
    assert (ledger(), Event.objects.count()) == before
    request_.refresh_from_db()
    assert request_.status == SpaceRequest.Status.OFFERED  # until the job or a check releases it
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("answer", "state_label"),
    [
        pytest.param(offer_withdraw, "Cancelled", id="withdrawn"),
        pytest.param(offer_decline, "Cancelled", id="declined"),
        pytest.param(offer_accept, "Active", id="already-accepted"),
    ],
)
def test_it_refuses_to_accept_an_offer_that_is_no_longer_open(
    request_: SpaceRequest, unit: Unit, manager: User, answer: Callable, state_label: str
) -> None:
    hold = offer_make(request=request_, unit=unit, actor=manager)
    answer(offer=hold, actor=manager)
    before = (ledger(), Event.objects.count(), SpaceRequest.objects.get().status)

    with pytest.raises(ValidationError) as exc:
        offer_accept(offer=hold, actor=request_.tenant.users.first())

    assert exc.value.code == "offer_not_open"
    assert exc.value.messages == [
        f"This offer was withdrawn or already answered: it is now {state_label}."
    ]
    assert (ledger(), Event.objects.count(), SpaceRequest.objects.get().status) == before


@pytest.mark.parametrize("answer", [offer_decline, offer_withdraw], ids=["decline", "withdraw"])
def test_it_refuses_to_decline_or_withdraw_an_answered_offer(
    request_: SpaceRequest, unit: Unit, manager: User, answer: Callable
) -> None:
    hold = offer_make(request=request_, unit=unit, actor=manager)
    offer_accept(offer=hold, actor=manager)
    with pytest.raises(ValidationError) as exc:
        answer(offer=hold, actor=manager)
    assert exc.value.code == "offer_not_open"
    assert Allocation.objects.get().state == Allocation.State.ACTIVE


# --- offer_decline / offer_withdraw -------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "by_tenant"),
    [
        pytest.param(offer_decline, True, id="decline"),
        pytest.param(offer_withdraw, False, id="withdraw"),
    ],
)
def test_it_cancels_the_hold_and_puts_the_request_back_in_the_queue(
    request_: SpaceRequest, unit: Unit, manager: User, answer: Callable, by_tenant: bool
) -> None:
    hold = offer_make(request=request_, unit=unit, actor=manager)
    actor = request_.tenant.users.first() if by_tenant else manager

    answer(offer=hold, actor=actor, note="面积不合适")

    hold.refresh_from_db()
    request_.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert request_.status == SpaceRequest.Status.SUBMITTED
    assert events(allocation=hold)[-1] == ("held", "cancelled", "面积不合适", actor.pk)
    assert events(request=request_, allocation=None)[-1] == ("offered", "submitted", "", actor.pk)
    # The unit is free again for the same dates.
    allocation_create(unit=unit, tenant=make_tenant(), start=hold.start, end=hold.end)


# --- request_withdraw / request_close -------------------------------------------------------


def test_it_withdraws_a_request_with_its_open_offer(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    hold = offer_make(request=request_, unit=unit, actor=manager)
    user = request_.tenant.users.first()

    request_withdraw(request=request_, actor=user)

    hold.refresh_from_db()
    request_.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert request_.status == SpaceRequest.Status.WITHDRAWN
    assert events(allocation=hold)[-1] == (
        "held",
        "cancelled",
        "The request was withdrawn.",
        user.pk,
    )
    assert events(request=request_, allocation=None)[-1][:2] == ("offered", "withdrawn")


def test_it_withdraws_a_request_still_in_the_queue(request_: SpaceRequest) -> None:
    request_withdraw(request=request_, actor=request_.tenant.users.first())
    request_.refresh_from_db()
    assert request_.status == SpaceRequest.Status.WITHDRAWN


@pytest.mark.parametrize(
    "status",
    [SpaceRequest.Status.ACCEPTED, SpaceRequest.Status.CLOSED, SpaceRequest.Status.WITHDRAWN],
)
def test_it_refuses_to_withdraw_a_request_that_is_no_longer_open(
    request_: SpaceRequest, status: str
) -> None:
    SpaceRequest.objects.filter(pk=request_.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        request_withdraw(request=request_, actor=request_.tenant.users.first())
    assert exc.value.code == "request_closed"
    assert SpaceRequest.objects.get().status == status
    assert not Event.objects.exists()


def test_it_closes_a_queued_request_with_the_reason(request_: SpaceRequest, manager: User) -> None:
    request_close(request=request_, actor=manager, note="没有合适的实验室")
    request_.refresh_from_db()
    assert request_.status == SpaceRequest.Status.CLOSED
    assert events(request=request_) == [("submitted", "closed", "没有合适的实验室", manager.pk)]


@pytest.mark.parametrize(
    "status",
    [
        SpaceRequest.Status.OFFERED,
        SpaceRequest.Status.ACCEPTED,
        SpaceRequest.Status.WITHDRAWN,
        SpaceRequest.Status.CLOSED,
    ],
)
def test_it_closes_only_a_request_waiting_in_the_queue(
    request_: SpaceRequest, manager: User, status: str
) -> None:
    SpaceRequest.objects.filter(pk=request_.pk).update(status=status)
    with pytest.raises(ValidationError) as exc:
        request_close(request=request_, actor=manager, note="x")
    assert exc.value.code == "request_not_queued"
    assert exc.value.messages == ["Only a request waiting in the queue can be closed."]
    assert SpaceRequest.objects.get().status == status


# --- holds that expire --------------------------------------------------------------------------


def assert_released(hold: Allocation, request: SpaceRequest, mailoutbox: list) -> None:
    """The hold is cancelled with its reason, the request back in the queue, and
    the tenant and managers were told by one email."""
    note = "The offer expired without an answer."
    hold.refresh_from_db()
    request.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert events(allocation=hold)[-1] == ("held", "cancelled", note, None)
    assert request.status == SpaceRequest.Status.SUBMITTED
    assert events(request=request, allocation=None)[-1] == ("offered", "submitted", note, None)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == in_site_language(
        "Zaiti: the offer of unit %(unit)s expired", unit=hold.unit.code
    )
    assert mailoutbox[0].to == [
        "contact@yunqi.cn",
        "manager@example.cn",
        "yunqi-cfo@example.cn",
        "yunqi@example.cn",
    ]


def test_it_releases_an_expired_hold_when_the_unit_is_allocated_again(
    request_: SpaceRequest,
    unit: Unit,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    hold = expired_offer(request_, unit, manager)
    other = make_tenant()

    with django_capture_on_commit_callbacks(execute=True):
        lease = allocation_create(unit=unit, tenant=other, start=hold.start, end=hold.end)

    assert lease.state == Allocation.State.ACTIVE
    assert_released(hold, request_, mailoutbox)


def test_it_releases_an_expired_hold_when_the_unit_is_offered_again(
    request_: SpaceRequest,
    unit: Unit,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    hold = expired_offer(request_, unit, manager)
    second = make_request(make_tenant())

    with django_capture_on_commit_callbacks(execute=True):
        offer_make(request=second, unit=unit, actor=manager)

    # One mail: the lapsed offer's. The second tenant has no address for its offer.
    assert_released(hold, request_, mailoutbox)


def test_it_releases_expired_holds_in_the_periodic_job(
    request_: SpaceRequest,
    unit: Unit,
    carrier: Carrier,
    manager: User,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    hold = expired_offer(request_, unit, manager)
    live = offer_make(request=make_request(make_tenant()), unit=make_unit(carrier), actor=manager)

    with django_capture_on_commit_callbacks(execute=True):
        released = release_expired_holds(timezone.now())

    assert released == [hold]
    assert_released(hold, request_, mailoutbox)
    live.refresh_from_db()
    assert live.state == Allocation.State.HELD

    # Idempotent: a second run finds nothing and sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert release_expired_holds(timezone.now()) == []
    assert len(mailoutbox) == 1


def test_it_releases_a_hold_only_after_its_expiry(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    now = timezone.now()
    hold = offer_make(request=request_, unit=unit, actor=manager, now=now)
    assert release_expired_holds(hold.hold_expires_at - dt.timedelta(seconds=1)) == []
    assert release_expired_holds(hold.hold_expires_at) == [hold]


def test_it_does_not_send_back_a_request_that_has_moved_on(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    hold = expired_offer(request_, unit, manager)
    SpaceRequest.objects.filter(pk=request_.pk).update(status=SpaceRequest.Status.CLOSED)
    release_expired_holds(timezone.now())
    hold.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert SpaceRequest.objects.get(pk=request_.pk).status == SpaceRequest.Status.CLOSED


def test_it_does_not_count_an_unanswered_expired_offer_as_live(
    request_: SpaceRequest, unit: Unit, manager: User
) -> None:
    expired_offer(request_, unit, manager)
    assert live_offer(request_) is None


def test_it_sends_no_mail_to_a_company_without_addresses(
    unit: Unit,
    mailoutbox: list,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    silent = make_tenant()  # no users, no contact address
    request = make_request(silent)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        offer_make(request=request, unit=unit, actor=make_user())
    assert [c for c in callbacks if getattr(c, "func", None) is offer_made]  # it ran, sent nothing
    assert mailoutbox == []

"""The tenant portal: sign-up, requests, offers, leases, scope and query counts.

Messages are asserted in English (the 'django_language' cookie); everything
else on status codes and the database. Tenant A and tenant B are the owner /
outsider pair: B's request, offer and lease are a 404 to A, GET and POST alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leasing.access import MANAGER_GROUP, TENANT_GROUP
from leasing.leases import handover_record
from leasing.models import Allocation, Event, Handover, SpaceRequest, Tenant
from leasing.offers import offer_accept, offer_decline, offer_make, request_submit
from leasing.uscc import make_uscc
from tests.factories import make_carrier, make_tenant, make_unit

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-enough-passphrase-2026"
VALID_USCC = make_uscc("91320583MA9XYW001")


# --- helpers -------------------------------------------------------------------------


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def make_user(username: str, tenant: Tenant | None = None) -> AbstractBaseUser:
    user = User.objects.create_user(username, f"{username}@example.com", PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=TENANT_GROUP)[0])
    if tenant is not None:
        tenant.users.add(user)
    return user


def make_manager(carrier: Any) -> AbstractBaseUser:
    user = User.objects.create_user("mgr", "mgr@example.com", PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])
    carrier.managers.add(user)
    return user


def make_request(tenant: Tenant, user: AbstractBaseUser | None = None, **fields: Any):
    defaults: dict[str, Any] = {
        "area_min": Decimal("100"),
        "area_max": Decimal("300"),
        "unit_kind": "office",
        "seats": 10,
        "move_in_on": timezone.localdate() + dt.timedelta(days=30),
        "term_months": 12,
    }
    request, _ = request_submit(tenant=tenant, actor=user, **{**defaults, **fields})
    return request


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "newco",
        "email": "boss@newco.example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "昆山新创科技有限公司",
        "uscc": VALID_USCC,
        "industry": "ai",
        "contact_name": "张三",
        "contact_phone": "0512-55550000",
        "contact_email": "office@newco.example.com",
        "employees": "12",
        "rd_staff": "5",
    }
    return {**data, **overrides}


def request_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "token": str(uuid.uuid4()),
        "area_min": "120",
        "area_max": "250",
        "unit_kind": "office",
        "seats": "15",
        "move_in_on": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "term_months": "24",
        "fit_out": "turnkey",
        "notes": "需要一间会议室",
        "budget_per_m2": "50",
    }
    return {**data, **overrides}


@pytest.fixture
def world() -> dict[str, Any]:
    """Tenant A (with user alice) and tenant B (bob), a carrier with its manager."""
    carrier = make_carrier(name="阳澄湖两岸科创中心")
    a, b = make_tenant(name="甲公司"), make_tenant(name="乙公司")
    return {
        "carrier": carrier,
        "manager": make_manager(carrier),
        "a": a,
        "b": b,
        "alice": make_user("alice", a),
        "bob": make_user("bob", b),
    }


def offer_for(world: dict[str, Any], tenant_key: str = "a", **fields: Any) -> Allocation:
    request = make_request(world[tenant_key])
    unit = make_unit(world["carrier"], turnkey=True, turnkey_package="20 desks, 1 meeting room")
    return offer_make(request=request, unit=unit, actor=world["manager"], **fields)


def lease_for(world: dict[str, Any], tenant_key: str = "a") -> Allocation:
    offer = offer_for(world, tenant_key)
    return offer_accept(offer=offer, actor=world["manager"])


# --- sign-up --------------------------------------------------------------------------


def test_it_registers_a_user_and_company_and_logs_them_in(client: Client) -> None:
    response = client.post(reverse("portal:register"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    user = User.objects.get(username="newco")
    tenant = Tenant.objects.get(uscc=VALID_USCC)
    assert tenant.name == "昆山新创科技有限公司"
    assert (tenant.employees, tenant.rd_staff, tenant.industry) == (12, 5, "ai")
    assert list(tenant.users.all()) == [user]
    assert user.groups.filter(name=TENANT_GROUP).exists()
    assert user.email == "boss@newco.example.com"
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert home.context["tenant"] == tenant


def test_it_normalises_the_uscc_case_and_spaces(client: Client) -> None:
    typed = " ".join([VALID_USCC[:6].lower(), VALID_USCC[6:12].lower(), VALID_USCC[12:]])
    response = client.post(reverse("portal:register"), signup_data(uscc=typed))
    assert response.status_code == 302
    assert Tenant.objects.get().uscc == VALID_USCC


def test_it_refuses_a_bad_uscc_keeping_what_was_typed_and_saving_nothing(
    client: Client,
) -> None:
    bad = VALID_USCC[:-1] + ("0" if VALID_USCC[-1] != "0" else "1")
    response = english(client).post(reverse("portal:register"), signup_data(uscc=bad))
    assert response.status_code == 200
    assert "check character" in response.content.decode()
    company_form = response.context["company_form"]
    assert "uscc" in company_form.errors
    assert company_form["uscc"].value() == bad
    assert company_form["name"].value() == "昆山新创科技有限公司"
    assert response.context["user_form"]["username"].value() == "newco"
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


def test_it_tells_a_duplicate_uscc_whom_to_ask_without_naming_the_company(
    client: Client,
) -> None:
    make_tenant(name="保密的已注册企业有限公司", uscc=VALID_USCC)
    response = english(client).post(
        reverse("portal:register"), signup_data(uscc=VALID_USCC.lower())
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "already registered" in body
    assert "existing users" in body
    assert "保密的已注册企业有限公司" not in body
    assert not User.objects.exists()
    assert Tenant.objects.count() == 1


def test_it_refuses_a_weak_password_and_saves_nothing(client: Client) -> None:
    response = client.post(
        reverse("portal:register"), signup_data(password1="12345678", password2="12345678")
    )
    assert response.status_code == 200
    assert "password2" in response.context["user_form"].errors
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


def test_it_saves_nothing_when_the_company_insert_fails(client: Client) -> None:
    # A sign-up that loses a race for the code after validation: the user row,
    # written first, must go too.
    with mock.patch(
        "leasing.portal.views.CompanyForm.save", side_effect=IntegrityError("uscc taken")
    ):
        response = client.post(reverse("portal:register"), signup_data())
    assert response.status_code == 200
    assert "username" in response.context["user_form"].errors
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


def test_it_sends_a_user_without_a_company_to_register_one(client: Client) -> None:
    client.force_login(make_user("loner"))
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:company_register")
    data = {k: v for k, v in signup_data().items() if not k.startswith(("pass", "user"))}
    response = client.post(reverse("portal:company_register"), data)
    assert response.status_code == 302
    assert Tenant.objects.get().users.get().username == "loner"


def test_it_registers_a_company_only_once_per_user(client: Client, world) -> None:
    client.force_login(world["alice"])
    response = client.get(reverse("portal:company_register"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_it_links_the_login_page_to_company_registration(client: Client) -> None:
    response = client.get(reverse("login"))
    assert reverse("portal:register").encode() in response.content


def test_it_changes_a_password(client: Client, world) -> None:
    client.force_login(world["alice"])
    assert client.get(reverse("password_change")).status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase-9",
            "new_password2": "another-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    world["alice"].refresh_from_db()
    assert world["alice"].check_password("another-long-passphrase-9")


# --- new request ------------------------------------------------------------------------


def test_it_submits_a_request(client: Client, world) -> None:
    client.force_login(world["alice"])
    page = client.get(reverse("portal:request_new"))
    assert page.status_code == 200
    token = page.context["form"]["token"].value()
    assert uuid.UUID(str(token))
    data = request_data(token=str(token), preferred_carriers=[world["carrier"].pk])
    response = client.post(reverse("portal:request_new"), data)
    request = SpaceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:request", args=[request.pk])
    assert request.tenant == world["a"]
    assert request.submitted_by == world["alice"]
    assert request.client_token == uuid.UUID(str(token))
    assert request.area_min == Decimal("120")
    assert request.notes == "需要一间会议室"
    assert list(request.preferred_carriers.all()) == [world["carrier"]]
    assert request.events.get().to_state == SpaceRequest.Status.SUBMITTED


def test_it_drops_tailored_needs_from_a_turnkey_request(client: Client, world) -> None:
    client.force_login(world["alice"])
    client.post(
        reverse("portal:request_new"),
        request_data(power_kva="-5", network="10G", cleanroom_class="ISO 7"),
    )
    request = SpaceRequest.objects.get()
    assert (request.power_kva, request.network, request.cleanroom_class) == (None, "", "")


def test_it_keeps_tailored_needs(client: Client, world) -> None:
    client.force_login(world["alice"])
    client.post(
        reverse("portal:request_new"),
        request_data(
            fit_out="tailored", power_kva="400", cleanroom_class="ISO 7", floor_load_kn_m2="7.5"
        ),
    )
    request = SpaceRequest.objects.get()
    assert request.fit_out == SpaceRequest.FitOut.TAILORED
    assert (request.power_kva, request.cleanroom_class) == (400, "ISO 7")
    assert request.floor_load_kn_m2 == Decimal("7.5")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"move_in_on": "2020-01-01"},
            "move_in_on",
            "The move-in date cannot be in the past.",
        ),
        (
            {"area_min": "300", "area_max": "100"},
            "area_max",
            "The maximum area must not be less than the minimum area.",
        ),
        ({"area_min": "0"}, "area_min", "The area must be greater than zero."),
        ({"term_months": "0"}, "term_months", "The term must be at least one month."),
        ({"seats": "-2"}, "seats", "The number of seats cannot be negative."),
    ],
)
def test_it_refuses_bad_request_input_keeping_what_was_typed(
    client: Client, world, overrides: dict[str, str], field: str, message: str
) -> None:
    client.force_login(world["alice"])
    data = request_data(**overrides)
    response = english(client).post(reverse("portal:request_new"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field] == [message]
    assert message in response.content.decode()
    for name, typed in overrides.items():
        assert str(form[name].value()) == typed
    assert form["notes"].value() == "需要一间会议室"
    assert str(form["token"].value()) == data["token"]
    assert not SpaceRequest.objects.exists()
    assert not Event.objects.exists()


def test_it_makes_one_request_of_a_double_submit(client: Client, world) -> None:
    client.force_login(world["alice"])
    data = request_data()
    first = client.post(reverse("portal:request_new"), data)
    second = client.post(reverse("portal:request_new"), data)
    request = SpaceRequest.objects.get()
    assert first["Location"] == second["Location"] == reverse("portal:request", args=[request.pk])
    assert request.events.count() == 1


def test_it_needs_the_form_token(client: Client, world) -> None:
    client.force_login(world["alice"])
    data = request_data()
    del data["token"]
    response = client.post(reverse("portal:request_new"), data)
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    assert not SpaceRequest.objects.exists()


# --- the request page and offers ----------------------------------------------------------


def test_it_shows_the_request_with_its_offer_and_history(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    response = english(client).get(reverse("portal:request", args=[offer.request_id]))
    assert response.status_code == 200
    assert response.context["offer"] == offer
    body = response.content.decode()
    assert offer.unit.code in body
    assert "20 desks, 1 meeting room" in body
    assert reverse("portal:offer_accept", args=[offer.pk]) in body
    whos = [line.who for line in response.context["history"]]
    # Staff appear as the carrier's operations team, never by name.
    assert "Carrier operations" in whos
    assert "mgr" not in body


def test_it_accepts_an_offer_into_an_active_lease(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    response = client.post(reverse("portal:offer_accept", args=[offer.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:lease", args=[offer.pk])
    offer.refresh_from_db()
    assert offer.state == Allocation.State.ACTIVE
    assert offer.signed_on == timezone.localdate()
    assert offer.request.status == SpaceRequest.Status.ACCEPTED
    assert offer.events.filter(to_state="active", actor=world["alice"]).exists()


def test_it_declines_an_offer_with_a_reason(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    response = client.post(reverse("portal:offer_decline", args=[offer.pk]), {"note": "面积太小"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.state == Allocation.State.CANCELLED
    assert offer.request.status == SpaceRequest.Status.SUBMITTED
    # The reason is kept on the offer's own history, seen by its carrier's managers.
    assert offer.events.filter(to_state="cancelled", note="面积太小").exists()


def test_it_refuses_to_accept_an_expired_offer_and_changes_nothing(client: Client, world) -> None:
    offer = offer_for(world)
    Allocation.objects.filter(pk=offer.pk).update(
        hold_expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    events = Event.objects.count()
    client.force_login(world["alice"])
    response = english(client).post(reverse("portal:offer_accept", args=[offer.pk]), follow=True)
    assert response.status_code == 200
    assert "This offer expired at" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Allocation.State.HELD
    assert offer.request.status == SpaceRequest.Status.OFFERED
    assert Event.objects.count() == events
    # The page says the offer lapsed rather than offering it again.
    assert response.context["offer"] is None
    assert response.context["offer_lapsed"]


def test_it_refuses_to_accept_a_withdrawn_offer(client: Client, world) -> None:
    offer = offer_for(world)
    Allocation.objects.filter(pk=offer.pk).update(state=Allocation.State.CANCELLED)
    client.force_login(world["alice"])
    response = english(client).post(reverse("portal:offer_accept", args=[offer.pk]), follow=True)
    assert "withdrawn or already answered" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Allocation.State.CANCELLED


def test_it_withdraws_a_request_after_confirmation(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    url = reverse("portal:request_withdraw", args=[offer.request_id])
    assert client.get(url).status_code == 200
    assert SpaceRequest.objects.get().status == SpaceRequest.Status.OFFERED
    response = client.post(url)
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.request.status == SpaceRequest.Status.WITHDRAWN
    assert offer.state == Allocation.State.CANCELLED


def test_it_explains_why_a_closed_request_cannot_be_withdrawn(client: Client, world) -> None:
    lease = lease_for(world)
    client.force_login(world["alice"])
    response = english(client).post(
        reverse("portal:request_withdraw", args=[lease.request_id]), follow=True
    )
    assert "cannot be withdrawn" in response.content.decode()
    assert SpaceRequest.objects.get().status == SpaceRequest.Status.ACCEPTED


def test_it_refuses_a_get_on_an_offer_action(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    assert client.get(reverse("portal:offer_accept", args=[offer.pk])).status_code == 405
    offer.refresh_from_db()
    assert offer.state == Allocation.State.HELD


# --- the lease page -------------------------------------------------------------------------


def test_it_shows_a_lease_with_its_handovers(client: Client, world) -> None:
    lease = lease_for(world)
    handover_record(
        lease=lease,
        kind=Handover.Kind.MOVE_IN,
        actor=world["manager"],
        on=lease.start,
        keys=3,
        access_cards=12,
        furniture="办公桌 20 张\n会议桌 1 张",
        electricity_kwh=Decimal("1234.5"),
    )
    client.force_login(world["alice"])
    response = client.get(reverse("portal:lease", args=[lease.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "办公桌 20 张" in body
    assert "1234.5" in body
    assert lease.period_label in body
    # Read-only: nothing on the page posts anywhere but logout and the language switch.
    assert body.count('method="post"') == 2


def test_it_shows_an_offer_only_on_its_request_not_as_a_lease(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["alice"])
    assert client.get(reverse("portal:lease", args=[offer.pk])).status_code == 404


# --- scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_it_hides_another_companys_request_offer_and_lease(
    client: Client, world, method: str
) -> None:
    offer = offer_for(world, "b")
    lease = lease_for(world, "b")
    client.force_login(world["alice"])
    urls = [
        reverse("portal:request", args=[offer.request_id]),
        reverse("portal:request_withdraw", args=[offer.request_id]),
        reverse("portal:offer_accept", args=[offer.pk]),
        reverse("portal:offer_decline", args=[offer.pk]),
        reverse("portal:lease", args=[lease.pk]),
        reverse("portal:request", args=[lease.request_id]),
        f"{reverse('portal:home')}?company={world['b'].pk}",
    ]
    for url in urls:
        assert getattr(client, method)(url).status_code == 404, url
    offer.refresh_from_db()
    assert offer.state == Allocation.State.HELD
    assert offer.request.status == SpaceRequest.Status.OFFERED


def test_it_sends_anonymous_visitors_to_log_in(client: Client, world) -> None:
    offer = offer_for(world)
    response = client.post(reverse("portal:offer_accept", args=[offer.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_a_manager_without_a_company_nothing(client: Client, world) -> None:
    offer = offer_for(world)
    client.force_login(world["manager"])
    assert client.get(reverse("portal:home")).status_code == 404
    assert client.get(reverse("portal:company_register")).status_code == 404
    assert client.get(reverse("portal:request", args=[offer.request_id])).status_code == 404


def test_it_lets_a_user_of_two_companies_pick_one(client: Client, world) -> None:
    world["b"].users.add(world["alice"])
    make_request(world["b"], notes="乙的申请")
    client.force_login(world["alice"])
    first = client.get(reverse("portal:home"))
    companies = first.context["companies"]
    assert set(companies) == {world["a"], world["b"]}
    assert first.context["tenant"] == companies[0]  # the first by name until one is picked
    picked = client.get(reverse("portal:home"), {"company": world["b"].pk})
    assert picked.context["tenant"] == world["b"]
    assert len(picked.context["open_requests"]) == 1
    # Remembered for the next visit.
    assert client.get(reverse("portal:home")).context["tenant"] == world["b"]


# --- query counts -------------------------------------------------------------------------------


def _fill(world: dict[str, Any], n: int) -> None:
    for _ in range(n):
        offer_for(world)  # an open request with a live offer
        lease_for(world)  # an accepted request and its lease
        make_request(world["a"])  # an open request without an offer


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_it_renders_the_home_page_in_constant_queries(client: Client, world) -> None:
    client.force_login(world["alice"])
    _fill(world, 2)
    few = _queries(client, reverse("portal:home"))
    _fill(world, 8)
    many = _queries(client, reverse("portal:home"))
    assert Allocation.objects.filter(tenant=world["a"]).count() == 20
    assert few == many, (few, many)


def test_it_renders_the_request_page_in_constant_queries(client: Client, world) -> None:
    client.force_login(world["alice"])

    def busy_request(declines: int) -> int:
        request = make_request(world["a"], preferred_carriers=[world["carrier"]])
        for _ in range(declines):
            unit = make_unit(world["carrier"])
            offer = offer_make(request=request, unit=unit, actor=world["manager"])
            offer_decline(offer=offer, actor=world["alice"], note="再看看")
        unit = make_unit(world["carrier"], turnkey=True, turnkey_package="桌椅")
        offer_make(request=request, unit=unit, actor=world["manager"])
        return request.pk

    few = _queries(client, reverse("portal:request", args=[busy_request(2)]))
    many = _queries(client, reverse("portal:request", args=[busy_request(10)]))
    assert few == many, (few, many)

"""The space manager's workspace (/work/): queue, request, offers, leases, units, vacancy.

Roles: the manager of carrier X (the owner), the manager of carrier Y (an
outsider to X), leadership (reads everything, changes nothing) and a tenant
company's user (no workspace at all). The default language is Simplified
Chinese: service messages are asserted in Chinese, page text in English with
the 'django_language' cookie.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carriers.models import Carrier, Unit
from leasing.models import Allocation, Event, Handover, SpaceRequest, Tenant
from leasing.offers import offer_make, request_submit
from leasing.services import allocation_create
from leasing.terms import add_months
from tests.factories import make_carrier, make_floor, make_tenant, make_unit

pytestmark = pytest.mark.django_db


@dataclass
class Zone:
    x: Carrier
    y: Carrier
    manager_x: Any
    manager_y: Any
    leader: Any
    tenant_user: Any
    company: Tenant


@pytest.fixture
def zone(django_user_model) -> Zone:
    # No passwords: the tests log in with force_login, and hashing is slow.
    x = make_carrier(name="阳澄湖两岸科创中心研发总部二期", code="ycl2")
    y = make_carrier(name="国家高新区集成创新中心", code="jccx")
    manager_x = django_user_model.objects.create_user("mx")
    manager_y = django_user_model.objects.create_user("my")
    x.managers.add(manager_x)
    y.managers.add(manager_y)
    leader = django_user_model.objects.create_user("leader")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    tenant_user = django_user_model.objects.create_user("t1")
    tenant_user.groups.add(Group.objects.get_or_create(name="tenant")[0])
    company = make_tenant(name="昆山测试智能科技有限公司")
    company.users.add(tenant_user)
    return Zone(x, y, manager_x, manager_y, leader, tenant_user, company)


def login(client: Client, user: Any, *, english: bool = False) -> Client:
    client.force_login(user)
    if english:
        client.cookies["django_language"] = "en"
    return client


def today() -> dt.date:
    return timezone.localdate()


def make_request(
    tenant: Tenant, preferred: list[Carrier] | None = None, **fields: Any
) -> SpaceRequest:
    values: dict[str, Any] = {
        "area_min": Decimal("150"),
        "area_max": Decimal("250"),
        "unit_kind": Unit.Kind.OFFICE,
        "move_in_on": today() + dt.timedelta(days=14),
        "term_months": 12,
    }
    values.update(fields)
    request, _ = request_submit(
        tenant=tenant, actor=None, preferred_carriers=preferred or [], **values
    )
    return request


def offer_data(unit: Unit, /, **overrides: Any) -> dict[str, str]:
    start = today() + dt.timedelta(days=14)
    data = {
        "carrier": unit.carrier.code,
        "unit": unit.code,
        "start": start.isoformat(),
        "end": add_months(start, 12).isoformat(),
        "hold_expires_at": timezone.localtime(timezone.now() + dt.timedelta(days=3)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "contracted_rent": "",
        "rent_free_months": "2",
        "deposit": "30000",
        "note": "先看房再签约",
    }
    data.update(overrides)
    return data


def active_lease(unit: Unit, tenant: Tenant | None = None, **fields: Any) -> Allocation:
    values: dict[str, Any] = {
        "start": today() - dt.timedelta(days=200),
        "end": today() + dt.timedelta(days=400),
    }
    values.update(fields)
    return allocation_create(unit=unit, tenant=tenant or make_tenant(), **values)


def state_counts() -> tuple[int, int, int]:
    return Allocation.objects.count(), Event.objects.count(), Handover.objects.count()


# --- who may come in ------------------------------------------------------------------


def test_it_sends_anonymous_users_to_log_in(client) -> None:
    response = client.get("/work/queue/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_has_no_workspace_for_tenant_users(client, zone) -> None:
    own = make_request(zone.company, [zone.x])
    login(client, zone.tenant_user)
    assert client.get("/work/queue/").status_code == 404
    # Their own request is theirs in the portal, not here.
    assert client.get(f"/work/requests/{own.pk}/").status_code == 404
    assert client.get(f"/work/carriers/{zone.x.code}/vacancy/").status_code == 404


# --- the queue ------------------------------------------------------------------------


def test_it_shows_a_manager_only_their_carriers_requests(client, zone) -> None:
    mine = make_request(make_tenant(name="甲公司"), [zone.x])
    theirs = make_request(make_tenant(name="乙公司"), [zone.y])
    anyone = make_request(make_tenant(name="丙公司"))
    login(client, zone.manager_x)
    response = client.get("/work/queue/")
    assert response.status_code == 200
    assert [r.pk for r in response.context["rows"]] == [mine.pk, anyone.pk]
    body = response.content.decode()
    assert "甲公司" in body and "丙公司" in body and "乙公司" not in body
    assert client.get(f"/work/requests/{theirs.pk}/").status_code == 404
    assert client.get(f"/work/requests/{theirs.pk}/candidates.json").status_code == 404


def test_it_shows_leadership_every_request_read_only(client, zone) -> None:
    make_request(make_tenant(), [zone.x])
    make_request(make_tenant(), [zone.y])
    login(client, zone.leader, english=True)
    response = client.get("/work/queue/")
    assert len(response.context["rows"]) == 2
    assert "Read-only" in response.content.decode()


def test_it_lists_only_open_requests(client, zone) -> None:
    waiting = make_request(make_tenant(), [zone.x])
    closed = make_request(make_tenant(), [zone.x])
    SpaceRequest.objects.filter(pk=closed.pk).update(status=SpaceRequest.Status.CLOSED)
    login(client, zone.manager_x)
    assert [r.pk for r in client.get("/work/queue/").context["rows"]] == [waiting.pk]


def test_it_shows_ages_oldest_first(client, zone) -> None:
    now = timezone.now()
    newer = make_request(make_tenant(), [zone.x])
    older = make_request(make_tenant(), [zone.x])
    SpaceRequest.objects.filter(pk=older.pk).update(submitted_at=now - dt.timedelta(days=12))
    SpaceRequest.objects.filter(pk=newer.pk).update(
        submitted_at=now - dt.timedelta(days=3, hours=1)
    )
    login(client, zone.manager_x)
    rows = client.get("/work/queue/").context["rows"]
    assert [(r.pk, r.age_days) for r in rows] == [(older.pk, 12), (newer.pk, 3)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=offered", {"offered"}),
        ("status=submitted", {"lab", "tailored", "big", "late", "named"}),
        ("unit_kind=lab", {"lab"}),
        ("fit_out=tailored", {"tailored"}),
        ("carrier=jccx", {"named"}),
        ("area_from=900", {"big"}),
        ("area_to=100", set()),
        ("area_from=180&area_to=220", {"offered", "lab", "tailored", "late", "named"}),
        ("move_in_after=2099-01-01", {"late"}),
        ("move_in_before=2099-01-01", {"offered", "lab", "tailored", "big", "named"}),
        ("q=星河", {"named"}),
    ],
)
def test_it_filters_the_queue(client, zone, query: str, expected: set[str]) -> None:
    both = [zone.x, zone.y]
    zone.y.managers.add(zone.manager_x)
    labels = {
        make_request(make_tenant(), [zone.x]).pk: "offered",
        make_request(make_tenant(), [zone.x], unit_kind=Unit.Kind.LAB).pk: "lab",
        make_request(make_tenant(), [zone.x], fit_out=SpaceRequest.FitOut.TAILORED).pk: "tailored",
        make_request(
            make_tenant(), [zone.x], area_min=Decimal("900"), area_max=Decimal("1200")
        ).pk: "big",
        make_request(make_tenant(), [zone.x], move_in_on=dt.date(2099, 3, 1)).pk: "late",
        make_request(make_tenant(name="昆山星河生物有限公司"), both).pk: "named",
    }
    offered = next(pk for pk, label in labels.items() if label == "offered")
    offer_make(
        request=SpaceRequest.objects.get(pk=offered), unit=make_unit(zone.x), actor=zone.manager_x
    )
    login(client, zone.manager_x)
    response = client.get(f"/work/queue/?{query}")
    assert response.status_code == 200
    assert {labels[r.pk] for r in response.context["rows"]} == expected


def test_it_finds_a_company_by_its_uscc(client, zone) -> None:
    company = make_tenant()
    wanted = make_request(company, [zone.x])
    make_request(make_tenant(), [zone.x])
    login(client, zone.manager_x)
    # Typed in lower case with a space, as people do.
    typed = f"{company.uscc[:9].lower()} {company.uscc[9:]}"
    rows = client.get("/work/queue/", {"q": typed}).context["rows"]
    assert [r.pk for r in rows] == [wanted.pk]


def test_it_only_offers_carriers_in_scope_as_a_filter(client, zone) -> None:
    make_request(make_tenant(), [zone.y])
    login(client, zone.manager_x)
    response = client.get("/work/queue/?carrier=jccx")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "carrier" in response.context["filter"].errors


def test_it_paginates_fifty_a_page(client, zone) -> None:
    tenant = make_tenant()
    for _ in range(51):
        make_request(tenant, [zone.x])
    login(client, zone.manager_x)
    assert len(client.get("/work/queue/").context["rows"]) == 50
    assert len(client.get("/work/queue/?page=2").context["rows"]) == 1


def test_it_counts_queue_queries_whatever_the_number_of_requests(client, zone) -> None:
    login(client, zone.manager_x)

    def queries(n: int) -> int:
        for _ in range(n):
            make_request(make_tenant(), [zone.x, zone.y])
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/work/queue/?status=submitted").status_code == 200
        return len(captured)

    assert queries(3) == queries(30)


# --- a request and its candidates -----------------------------------------------------


def test_it_shows_a_request_with_ranked_candidates(client, zone) -> None:
    request = make_request(zone.company, [zone.x], budget_per_m2=Decimal("50"))
    good = make_unit(zone.x, code="A-301", gross_area=Decimal("200"), list_rent=Decimal("45"))
    make_unit(zone.x, code="A-302", gross_area=Decimal("240"), kind=Unit.Kind.LAB)
    make_unit(zone.y, code="B-101")  # another carrier's unit: never a candidate for X
    login(client, zone.manager_x, english=True)
    response = client.get(f"/work/requests/{request.pk}/")
    assert response.status_code == 200
    candidates = response.context["candidates"]
    assert [c.unit.code for c in candidates] == ["A-301", "A-302"]
    assert candidates[0].score > candidates[1].score
    body = response.content.decode()
    assert "Kind matches" in body
    assert f"?carrier=ycl2&amp;unit={good.code}#offer" in body
    assert f'href="/work/tenants/{zone.company.pk}/"' in body


def test_it_prefills_the_offer_form_from_a_candidate(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="A-301", list_rent=Decimal("52.50"))
    login(client, zone.manager_x)
    form = client.get(f"/work/requests/{request.pk}/?carrier=ycl2&unit=A-301").context["offer_form"]
    assert form.initial["unit"] == unit.code
    assert form.initial["contracted_rent"] == Decimal("52.50")
    assert form.initial["start"] == request.move_in_on
    assert form.initial["end"] == add_months(request.move_in_on, 12)


def test_it_returns_candidates_as_json_within_scope(client, zone) -> None:
    open_request = make_request(zone.company)
    mine = make_unit(zone.x, code="A-301")
    make_unit(zone.y, code="B-101")
    login(client, zone.manager_x)
    data = json.loads(client.get(f"/work/requests/{open_request.pk}/candidates.json").content)
    assert [c["unit_id"] for c in data["candidates"]] == [mine.pk]
    first = data["candidates"][0]
    assert first["carrier_code"] == "ycl2"
    assert first["unit_code"] == "A-301"
    assert first["gross_area"] == "200.00"
    assert first["kind"] == "office"
    assert first["list_rent"] == "45.00"
    assert isinstance(first["score"], int)
    assert first["reasons"]

    login(client, zone.leader)
    data = json.loads(client.get(f"/work/requests/{open_request.pk}/candidates.json").content)
    assert {c["carrier_code"] for c in data["candidates"]} == {"ycl2", "jccx"}


def test_it_counts_request_page_queries_whatever_the_number_of_candidates(client, zone) -> None:
    login(client, zone.manager_x)

    def queries(n: int) -> tuple[int, int]:
        request = make_request(make_tenant(), [zone.x])
        for _ in range(n):
            make_unit(zone.x, turnkey=True, turnkey_package="办公桌椅、会议室")
        with CaptureQueriesContext(connection) as page:
            response = client.get(f"/work/requests/{request.pk}/")
        assert len(response.context["candidates"]) == min(n, 20)
        with CaptureQueriesContext(connection) as json_:
            client.get(f"/work/requests/{request.pk}/candidates.json")
        return len(page), len(json_)

    small = queries(5)
    assert queries(40) == small


# --- offers ---------------------------------------------------------------------------


def test_it_makes_an_offer(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="A-301", list_rent=Decimal("45"))
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 302
    hold = Allocation.objects.get(unit=unit)
    assert hold.state == Allocation.State.HELD
    assert hold.tenant == zone.company
    assert hold.contracted_rent == Decimal("45")  # empty rent: the list rent
    assert hold.rent_free_months == 2
    assert hold.deposit == Decimal("30000")
    assert hold.created_by == zone.manager_x
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.OFFERED
    event = Event.objects.get(request=request, allocation__isnull=True, to_state="offered")
    # The note stays on the hold: the request's history is open to other carriers.
    assert (event.from_state, event.actor, event.note) == ("submitted", zone.manager_x, "")
    assert hold.note == "先看房再签约"
    assert Event.objects.filter(
        allocation=hold, from_state="", to_state="held", note="先看房再签约"
    ).exists()
    page = client.get(response["Location"])
    assert page.context["live_offer"] == hold


def test_it_refuses_an_offer_of_a_leased_unit_naming_the_lease(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="A-301")
    holder = make_tenant(name="昆山先租科技有限公司")
    lease = active_lease(unit, holder, start=today(), end=today() + dt.timedelta(days=365))
    before = state_counts()
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"租约 #{lease.pk}" in body
    assert "昆山先租科技有限公司" in body
    assert "未保存" in body
    assert "先看房再签约" in body  # what was typed is still there
    assert state_counts() == before
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.SUBMITTED


def test_it_refuses_an_offer_of_a_unit_held_for_someone_else(client, zone) -> None:
    first = make_request(make_tenant(name="昆山先到生物有限公司"), [zone.x])
    second = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="A-301")
    hold = offer_make(request=first, unit=unit, actor=zone.manager_x)
    before = state_counts()
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{second.pk}/offer/", offer_data(unit))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"#{hold.pk}" in body and "昆山先到生物有限公司" in body
    assert state_counts() == before


@pytest.mark.parametrize(
    ("unit_fields", "message"),
    [
        ({"leasable": False}, "为公共区域或公共服务用房，不可出租"),
        (
            {"in_service_from": dt.date(2020, 1, 1), "retired_on": dt.date(2021, 1, 1)},
            "停用，结束日期不得晚于该日",
        ),
    ],
    ids=["not-for-lease", "retired"],
)
def test_it_refuses_a_unit_that_cannot_be_let(client, zone, unit_fields, message) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="Z-001", **unit_fields)
    before = state_counts()
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert state_counts() == before


def test_it_refuses_an_unknown_unit_code_keeping_the_form(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x, code="A-301")
    login(client, zone.manager_x, english=True)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit, unit="A-999"))
    assert response.status_code == 200
    assert "has no unit A-999" in response.content.decode()
    assert Allocation.objects.count() == 0


def test_it_refuses_an_end_before_the_start(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x)
    data = offer_data(unit, end=(today() + dt.timedelta(days=1)).isoformat())
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/offer/", data)
    assert response.status_code == 200
    assert "end" in response.context["offer_form"].errors
    assert Allocation.objects.count() == 0


def test_it_forbids_leadership_to_offer(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x)
    before = state_counts()
    login(client, zone.leader)
    assert client.get(f"/work/requests/{request.pk}/").status_code == 200
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 403
    assert state_counts() == before
    assert client.get(f"/work/requests/{request.pk}/").context["offer_form"] is None


def test_it_hides_carrier_x_from_the_manager_of_y(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x)
    before = state_counts()
    login(client, zone.manager_y)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 404
    assert state_counts() == before


def test_it_refuses_the_manager_of_y_offering_x_units_on_an_open_request(client, zone) -> None:
    # A request naming no carrier is in both queues, but Y's manager may only
    # offer Y's units: X's carrier is not a choice, which says nothing about X.
    request = make_request(zone.company)
    unit = make_unit(zone.x)
    before = state_counts()
    login(client, zone.manager_y)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 200
    assert "carrier" in response.context["offer_form"].errors
    assert state_counts() == before


def test_it_refuses_a_second_offer_while_one_is_open(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    offer_make(request=request, unit=make_unit(zone.x, code="A-301"), actor=zone.manager_x)
    other = make_unit(zone.x, code="A-302")
    before = state_counts()
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(other))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"用房申请 #{request.pk} 已有一条有效的房源推荐，预留至" in body
    assert "先看房再签约" in body
    assert state_counts() == before


def test_it_explains_why_a_closed_request_cannot_be_offered(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    unit = make_unit(zone.x)
    login(client, zone.manager_x)
    client.get(f"/work/requests/{request.pk}/")  # the form is open in the browser...
    SpaceRequest.objects.filter(pk=request.pk).update(status=SpaceRequest.Status.WITHDRAWN)
    before = state_counts()
    response = client.post(f"/work/requests/{request.pk}/offer/", offer_data(unit))
    assert response.status_code == 200
    assert "不能再推荐房源" in response.content.decode()
    assert state_counts() == before


def test_it_withdraws_an_offer(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    hold = offer_make(request=request, unit=make_unit(zone.x), actor=zone.manager_x)
    login(client, zone.leader)
    assert client.post(f"/work/offers/{hold.pk}/withdraw/").status_code == 403
    login(client, zone.manager_y)
    assert client.post(f"/work/offers/{hold.pk}/withdraw/").status_code == 404
    hold.refresh_from_db()
    assert hold.state == Allocation.State.HELD

    login(client, zone.manager_x)
    response = client.post(f"/work/offers/{hold.pk}/withdraw/", {"note": "企业改变计划"})
    assert response.status_code == 302
    assert response["Location"] == f"/work/requests/{request.pk}/"
    hold.refresh_from_db()
    request.refresh_from_db()
    assert hold.state == Allocation.State.CANCELLED
    assert request.status == SpaceRequest.Status.SUBMITTED
    assert Event.objects.filter(allocation=hold, to_state="cancelled", note="企业改变计划").exists()
    # Withdrawing again changes nothing and says why.
    before = state_counts()
    response = client.post(f"/work/offers/{hold.pk}/withdraw/", follow=True)
    assert state_counts() == before
    assert "已撤回或已答复" in response.content.decode()


def test_it_closes_a_request_with_a_reason(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    login(client, zone.manager_x)
    response = client.post(f"/work/requests/{request.pk}/close/", {"close-note": ""})
    assert response.status_code == 200
    assert "note" in response.context["close_form"].errors
    response = client.post(f"/work/requests/{request.pk}/close/", {"close-note": "暂无合适房源"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.CLOSED
    assert Event.objects.filter(request=request, to_state="closed", note="暂无合适房源").exists()


def test_it_forbids_leadership_to_close_a_request(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    login(client, zone.leader)
    assert (
        client.post(f"/work/requests/{request.pk}/close/", {"close-note": "x"}).status_code == 403
    )
    request.refresh_from_db()
    assert request.status == SpaceRequest.Status.SUBMITTED


def test_it_shows_the_history_of_a_request(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    offer_make(request=request, unit=make_unit(zone.x), actor=zone.manager_x, note="优先")
    login(client, zone.manager_x, english=True)
    rows = client.get(f"/work/requests/{request.pk}/").context["events"]
    assert [(r.from_label, r.to_label) for r in rows] == [
        ("", "Submitted"),
        ("", "Held"),
        ("Submitted", "Offered"),
    ]
    assert rows[-1].event.actor == zone.manager_x


# --- leases ---------------------------------------------------------------------------


def handover_data(kind: str, **overrides: Any) -> dict[str, str]:
    data = {
        "on": today().isoformat(),
        "keys": "3",
        "access_cards": "5",
        "furniture": "办公桌 10\n椅子 10",
        "electricity_kwh": "12345.6",
        "water_m3": "321.0",
        "notes": "墙面完好",
    }
    data.update(overrides)
    return {f"{kind}-{name}": value for name, value in data.items()}


def test_it_shows_a_lease(client, zone) -> None:
    unit = make_unit(zone.x, code="A-301", turnkey=True, turnkey_package="办公桌12套、会议室1间。")
    lease = active_lease(unit, zone.company)
    login(client, zone.manager_x)
    response = client.get(f"/work/leases/{lease.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert lease.period_label in body
    # The move-in checklist starts from the turnkey package, one item a line.
    [(kind, _, form, is_open), (later, *_, later_open)] = response.context["handover_forms"]
    assert (kind, is_open, later, later_open) == ("move_in", True, "move_out", False)
    assert form.initial["furniture"] == "办公桌12套\n会议室1间"
    assert client.get(f"/work/leases/{lease.pk}/").status_code == 200
    login(client, zone.manager_y)
    assert client.get(f"/work/leases/{lease.pk}/").status_code == 404
    login(client, zone.leader)
    response = client.get(f"/work/leases/{lease.pk}/")
    assert response.status_code == 200
    assert response.context["handover_forms"] == []


def test_it_records_a_handover_once(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    login(client, zone.manager_x)
    url = f"/work/leases/{lease.pk}/handover/move_in/"
    response = client.post(url, handover_data("move_in"))
    assert response.status_code == 302
    handover = Handover.objects.get(allocation=lease)
    assert (handover.kind, handover.keys, handover.access_cards) == ("move_in", 3, 5)
    assert handover.electricity_kwh == Decimal("12345.6")
    assert handover.recorded_by == zone.manager_x
    lease.refresh_from_db()
    assert lease.moved_in_on == today()

    response = client.post(url, handover_data("move_in", notes="第二次"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "该租约已有此类交接单" in body
    assert "第二次" in body
    assert Handover.objects.filter(allocation=lease).count() == 1


def test_it_refuses_a_negative_meter_reading(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    login(client, zone.manager_x)
    response = client.post(
        f"/work/leases/{lease.pk}/handover/move_out/",
        handover_data("move_out", electricity_kwh="-5", notes="抄表有误"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "仪表读数不能为负数" in body
    assert "抄表有误" in body
    assert Handover.objects.count() == 0


def test_it_explains_why_an_offer_has_no_handover(client, zone) -> None:
    request = make_request(zone.company, [zone.x])
    hold = offer_make(request=request, unit=make_unit(zone.x), actor=zone.manager_x)
    login(client, zone.manager_x)
    assert client.get(f"/work/leases/{hold.pk}/").context["handover_forms"] == []
    response = client.post(f"/work/leases/{hold.pk}/handover/move_in/", handover_data("move_in"))
    assert response.status_code == 200
    assert "交接单只能为租约登记" in response.content.decode()
    assert Handover.objects.count() == 0


def test_it_refuses_handovers_to_outsiders(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    url = f"/work/leases/{lease.pk}/handover/move_in/"
    login(client, zone.leader)
    assert client.post(url, handover_data("move_in")).status_code == 403
    login(client, zone.manager_y)
    assert client.post(url, handover_data("move_in")).status_code == 404
    login(client, zone.manager_x)
    assert client.post(f"/work/leases/{lease.pk}/handover/sideways/", {}).status_code == 404
    assert Handover.objects.count() == 0


def test_it_renews_without_a_gap(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    new_end = add_months(lease.end, 24)
    login(client, zone.manager_x)
    response = client.post(
        f"/work/leases/{lease.pk}/renew/",
        {"renew-new_end": new_end.isoformat(), "renew-contracted_rent": "48.00"},
    )
    assert response.status_code == 302
    renewal = Allocation.objects.exclude(pk=lease.pk).get()
    assert response["Location"] == f"/work/leases/{renewal.pk}/"
    assert renewal.start == lease.end
    assert renewal.end == new_end
    assert renewal.contracted_rent == Decimal("48.00")
    assert renewal.state == Allocation.State.ACTIVE
    assert renewal.tenant == zone.company


def test_it_refuses_a_renewal_ending_before_the_current_end(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    login(client, zone.manager_x)
    typed = (lease.end - dt.timedelta(days=10)).isoformat()
    response = client.post(f"/work/leases/{lease.pk}/renew/", {"renew-new_end": typed})
    assert response.status_code == 200
    assert "续租的结束日期必须晚于" in response.content.decode()
    assert response.context["renew_form"]["new_end"].value() == typed
    assert Allocation.objects.count() == 1


def test_it_terminates_a_lease_early(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    free_from = today() + dt.timedelta(days=30)
    login(client, zone.manager_x)
    response = client.post(
        f"/work/leases/{lease.pk}/terminate/",
        {"terminate-on": free_from.isoformat(), "terminate-note": "企业迁出"},
    )
    assert response.status_code == 302
    lease.refresh_from_db()
    assert lease.end == free_from
    assert lease.state == Allocation.State.ACTIVE  # still running until that day
    assert Event.objects.filter(allocation=lease, note="企业迁出").exists()


def test_it_refuses_a_termination_before_the_start(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    end = lease.end
    login(client, zone.manager_x)
    response = client.post(
        f"/work/leases/{lease.pk}/terminate/",
        {"terminate-on": (lease.start - dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 200
    assert "租约的结束日期必须晚于起租日" in response.content.decode()
    lease.refresh_from_db()
    assert lease.end == end


def test_it_forbids_leadership_to_renew_or_terminate(client, zone) -> None:
    lease = active_lease(make_unit(zone.x), zone.company)
    login(client, zone.leader)
    renew = {"renew-new_end": add_months(lease.end, 12).isoformat()}
    assert client.post(f"/work/leases/{lease.pk}/renew/", renew).status_code == 403
    terminate = {"terminate-on": (today() + dt.timedelta(days=5)).isoformat()}
    assert client.post(f"/work/leases/{lease.pk}/terminate/", terminate).status_code == 403
    assert Allocation.objects.count() == 1


# --- units and tenants ----------------------------------------------------------------


def test_it_shows_a_unit_with_its_ledger_and_history(client, zone) -> None:
    unit = make_unit(zone.x, code="A-301")
    lease = active_lease(unit, zone.company)
    login(client, zone.manager_x, english=True)
    response = client.get(f"/work/units/{unit.pk}/")
    assert response.status_code == 200
    assert response.context["unit"].status == "occupied"
    assert list(response.context["allocations"]) == [lease]
    assert [r.event.allocation_id for r in response.context["events"]] == [lease.pk]
    body = response.content.decode()
    assert "status-occupied" in body
    assert f'href="/work/carriers/{zone.x.code}/vacancy/"' in body
    login(client, zone.manager_y)
    assert client.get(f"/work/units/{unit.pk}/").status_code == 404


def test_it_shows_a_tenant_within_scope(client, zone) -> None:
    lease_x = active_lease(make_unit(zone.x), zone.company)
    lease_y = active_lease(make_unit(zone.y), zone.company)
    request = make_request(zone.company, [zone.x])
    login(client, zone.manager_x)
    response = client.get(f"/work/tenants/{zone.company.pk}/")
    assert response.status_code == 200
    assert list(response.context["allocations"]) == [lease_x]
    assert list(response.context["requests"]) == [request]
    shown = {r.event.allocation_id for r in response.context["events"]}
    assert lease_x.pk in shown and lease_y.pk not in shown
    assert zone.company.uscc in response.content.decode()

    stranger = make_tenant()
    active_lease(make_unit(zone.y), stranger)
    assert client.get(f"/work/tenants/{stranger.pk}/").status_code == 404
    login(client, zone.leader)
    response = client.get(f"/work/tenants/{zone.company.pk}/")
    assert set(response.context["allocations"]) == {lease_x, lease_y}


# --- the vacancy board ----------------------------------------------------------------


def board_units(carrier: Carrier) -> dict[str, Unit]:
    floor = make_floor(carrier, level=3)
    now = timezone.now()
    units = {
        "vacant": make_unit(carrier, floor=floor, code="V-1", turnkey=True, turnkey_package="桌椅"),
        "occupied": make_unit(carrier, floor=floor, code="O-1"),
        "available_soon": make_unit(carrier, floor=floor, code="S-1"),
        "held": make_unit(carrier, floor=floor, code="H-1"),
        "not_ready": make_unit(
            carrier, floor=floor, code="R-1", ready_on=today() + dt.timedelta(days=20)
        ),
        "not_for_lease": make_unit(carrier, floor=floor, code="N-1", leasable=False),
        "retired": make_unit(
            carrier, floor=floor, code="X-1", retired_on=today() - dt.timedelta(days=1)
        ),
        "planned": make_unit(
            carrier, floor=floor, code="P-1", in_service_from=today() + dt.timedelta(days=60)
        ),
    }
    tenant = make_tenant()
    active_lease(units["occupied"], tenant, end=today() + dt.timedelta(days=300))
    active_lease(units["available_soon"], tenant, end=today() + dt.timedelta(days=30))
    allocation_create(
        unit=units["held"],
        tenant=tenant,
        start=today(),
        end=today() + dt.timedelta(days=365),
        state=Allocation.State.HELD,
        hold_expires_at=now + dt.timedelta(days=3),
    )
    return units


def test_it_shows_the_vacancy_board_by_status(client, zone) -> None:
    units = board_units(zone.x)
    login(client, zone.manager_x)
    response = client.get(f"/work/carriers/{zone.x.code}/vacancy/")
    assert response.status_code == 200
    board = response.context["board"]
    statuses = {u.code: u.status for floor in board.floors for u in floor.units}
    assert statuses == {unit.code: status for status, unit in units.items()}
    assert {c.value: c.units for c in board.counts} == dict.fromkeys(units, 1)
    # Free to let: vacant first, then available soon with the day it comes free.
    assert [(u.code, u.free_from) for u in board.free] == [
        ("V-1", today()),
        ("S-1", today() + dt.timedelta(days=30)),
    ]
    body = response.content.decode()
    for status in units:
        assert f"ws-tile status-{status}" in body


def test_it_shows_the_vacancy_board_on_a_chosen_date(client, zone) -> None:
    units = board_units(zone.x)
    later = today() + dt.timedelta(days=45)
    login(client, zone.manager_x)
    board = client.get(f"/work/carriers/{zone.x.code}/vacancy/?on={later}").context["board"]
    statuses = {u.code: u.status for floor in board.floors for u in floor.units}
    assert board.day == later
    assert statuses[units["available_soon"].code] == "vacant"
    assert statuses[units["not_ready"].code] == "vacant"
    # A date that is not one falls back to today, and says so.
    response = client.get(f"/work/carriers/{zone.x.code}/vacancy/?on=2025-02-30")
    assert response.context["board"].day == today()
    assert response.context["form"].errors


def test_it_shows_a_vacancy_board_only_within_scope(client, zone) -> None:
    login(client, zone.manager_y)
    assert client.get(f"/work/carriers/{zone.x.code}/vacancy/").status_code == 404
    login(client, zone.leader)
    assert client.get(f"/work/carriers/{zone.x.code}/vacancy/").status_code == 200
    assert client.get("/work/carriers/nowhere/vacancy/").status_code == 404


def test_it_counts_vacancy_board_queries_whatever_the_number_of_units(client, zone) -> None:
    login(client, zone.manager_x)
    tenant = make_tenant()

    def queries(n: int) -> int:
        for i in range(n):
            unit = make_unit(zone.x, floor=make_floor(zone.x, level=1 + i % 4))
            if i % 3 == 0:
                active_lease(unit, tenant)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/work/carriers/{zone.x.code}/vacancy/").status_code == 200
        return len(captured)

    assert queries(5) == queries(40)


# --- ready for a strict CSP -------------------------------------------------------------


def test_it_renders_no_inline_styles_or_scripts(client, zone) -> None:
    unit = make_unit(zone.x, turnkey=True, turnkey_package="桌椅")
    lease = active_lease(unit, zone.company)
    request = make_request(zone.company, [zone.x])
    login(client, zone.manager_x)
    for url in (
        "/work/queue/",
        f"/work/requests/{request.pk}/",
        f"/work/leases/{lease.pk}/",
        f"/work/units/{unit.pk}/",
        f"/work/tenants/{zone.company.pk}/",
        f"/work/carriers/{zone.x.code}/vacancy/",
    ):
        body = client.get(url).content.decode()
        assert ' style="' not in body, url
        assert "<script>" not in body and "<script " not in body.replace("<script src=", ""), url

"""The unit search (/units/): filters, sorting, pages, scope and bad input.

Roles: the manager of carrier X, the manager of carrier Y, leadership (every
carrier, read-only) and a company's user (no staff pages at all). Messages of
this page are asserted through gettext in Simplified Chinese (the default
language), so the tests hold before and after the translations are compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from carriers.models import Building, Carrier, Floor, Unit
from carriers.status import UnitStatus
from carriers.status_filters import status_q
from leasing.models import Allocation, Tenant
from leasing.terms import add_months
from tests.carriers.statuses import make_every_status
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_lease,
    make_manager,
    make_tenant_user,
    today,
)

pytestmark = pytest.mark.django_db

URL = "/units/"


def zh(msgid: str) -> str:
    """A message as the page shows it in the default language."""
    with translation.override("zh-hans"):
        return gettext(msgid)


@dataclass
class Zone:
    x: Carrier
    y: Carrier
    manager_x: User
    manager_y: User
    leader: User
    company: Tenant
    company_user: User


@pytest.fixture
def zone() -> Zone:
    x = make_carrier(code="ycl2", name="阳澄湖两岸科创中心研发总部二期")
    y = make_carrier(code="jccx", name="国家高新区集成创新中心")
    company = make_tenant(name="昆山甲子智能科技有限公司")
    return Zone(
        x=x,
        y=y,
        manager_x=make_manager(x, username="manager_x"),
        manager_y=make_manager(y, username="manager_y"),
        leader=make_leadership("leader"),
        company=company,
        company_user=make_tenant_user(company, "company_user"),
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def search(user: User, **query: Any) -> tuple[Any, str]:
    response = client_for(user).get(URL, query)
    assert response.status_code == 200
    return response, response.content.decode()


def codes(response: Any) -> list[str]:
    """The unit codes of the results, in the order shown."""
    return [row.code for row in response.context["results"].rows]


# --- scope ----------------------------------------------------------------------------


def test_it_sends_anonymous_users_to_the_login_page() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_answers_a_companys_user_with_404(zone: Zone) -> None:
    make_unit(zone.x, code="X-101")
    response = client_for(zone.company_user).get(URL)
    assert response.status_code == 404
    assert b"X-101" not in response.content


def test_it_shows_a_manager_only_the_units_of_their_carriers(zone: Zone) -> None:
    make_unit(zone.x, code="X-101")
    make_unit(zone.y, code="Y-101")

    response, body = search(zone.manager_x)

    assert codes(response) == ["X-101"]
    assert "Y-101" not in body and zone.y.name not in body


def test_it_refuses_another_carriers_code_as_unknown(zone: Zone) -> None:
    make_unit(zone.y, code="Y-101")

    response, body = search(zone.manager_x, carrier=zone.y.code)
    _, nowhere = search(zone.manager_x, carrier="no-such-carrier")

    assert response.context["results"] is None
    assert zh("Unknown carrier: choose one from the list.") in body
    assert "Y-101" not in body
    # The same answer as for a code that exists nowhere: nothing confirms it.
    assert zh("Unknown carrier: choose one from the list.") in nowhere


def test_it_shows_leadership_every_carrier(zone: Zone) -> None:
    make_unit(zone.x, code="X-101")
    make_unit(zone.y, code="Y-101")

    response, _body = search(zone.leader)

    assert sorted(codes(response)) == ["X-101", "Y-101"]


def test_it_links_each_unit_to_its_page_for_managers_and_leadership(zone: Zone) -> None:
    unit = make_unit(zone.x, code="X-101")
    link = f'href="{reverse("workspace:unit", args=[unit.pk])}"'
    for user in (zone.manager_x, zone.leader):
        _, body = search(user)
        assert link in body
        # ... and the unit page opens for them (the access matrix's decision).
        assert client_for(user).get(reverse("workspace:unit", args=[unit.pk])).status_code == 200


def test_it_puts_the_search_in_the_staff_navigation_only(zone: Zone) -> None:
    link = f'href="{URL}"'
    assert link in client_for(zone.manager_x).get(reverse("workspace:queue")).content.decode()
    assert link not in client_for(zone.company_user).get(reverse("portal:home")).content.decode()


# --- the filters ----------------------------------------------------------------------


def test_it_filters_by_carrier(zone: Zone) -> None:
    make_unit(zone.x, code="X-101")
    make_unit(zone.y, code="Y-101")

    response, _ = search(zone.leader, carrier=zone.y.code)

    assert codes(response) == ["Y-101"]


def test_it_filters_by_building_of_the_chosen_carrier(zone: Zone) -> None:
    a = make_unit(zone.x, code="A-101")
    other = Building.objects.create(carrier=zone.x, code="B", name="B栋")
    make_unit(floor=Floor.objects.create(building=other, level=1, label="1F"), code="B-101")

    response, body = search(zone.manager_x, carrier=zone.x.code, building=other.pk)

    assert codes(response) == ["B-101"]
    # The building list is the chosen carrier's, with the choice kept.
    assert f'<option value="{a.floor.building_id}">A栋</option>' in body
    assert f'<option value="{other.pk}" selected>B栋</option>' in body


def test_it_filters_by_kind(zone: Zone) -> None:
    make_unit(zone.x, code="X-office", kind=Unit.Kind.OFFICE)
    make_unit(zone.x, code="X-lab", kind=Unit.Kind.LAB)

    response, _ = search(zone.manager_x, kind=Unit.Kind.LAB)

    assert codes(response) == ["X-lab"]


def test_it_filters_by_gross_area_range_inclusive(zone: Zone) -> None:
    for code, area in (("X-1", "99.99"), ("X-2", "100"), ("X-3", "300"), ("X-4", "300.01")):
        make_unit(zone.x, code=code, gross_area=Decimal(area), usable_area=Decimal("50"))

    response, _ = search(zone.manager_x, area_min="100", area_max="300")

    assert codes(response) == ["X-2", "X-3"]


def test_it_filters_by_list_rent_range(zone: Zone) -> None:
    for code, rent in (("X-1", "30"), ("X-2", "45"), ("X-3", "60")):
        make_unit(zone.x, code=code, list_rent=Decimal(rent))

    assert codes(search(zone.manager_x, rent_min="40")[0]) == ["X-2", "X-3"]
    assert codes(search(zone.manager_x, rent_max="45")[0]) == ["X-1", "X-2"]
    assert codes(search(zone.manager_x, rent_min="40", rent_max="50")[0]) == ["X-2"]


def test_it_filters_by_minimum_seats(zone: Zone) -> None:
    make_unit(zone.x, code="X-1", seats=8)
    make_unit(zone.x, code="X-2", seats=12)

    response, _ = search(zone.manager_x, seats="10")

    assert codes(response) == ["X-2"]


def test_it_filters_turnkey_units_ready_on_the_date(zone: Zone) -> None:
    on = today()
    make_unit(zone.x, code="X-ready", turnkey=True)
    make_unit(zone.x, code="X-ready-today", turnkey=True, ready_on=on)
    make_unit(zone.x, code="X-later", turnkey=True, ready_on=on + days(20))
    make_unit(zone.x, code="X-shell")

    response, _ = search(zone.manager_x, turnkey_ready="on")
    later, _ = search(zone.manager_x, turnkey_ready="on", on=(on + days(20)).isoformat())
    # With a move-in date, ready by then.
    moving_in, _ = search(
        zone.manager_x, turnkey_ready="on", available_from=(on + days(30)).isoformat()
    )

    assert codes(response) == ["X-ready", "X-ready-today"]
    assert codes(later) == ["X-later", "X-ready", "X-ready-today"]
    assert codes(moving_in) == ["X-later", "X-ready", "X-ready-today"]


def test_it_filters_by_status_on_a_date(zone: Zone) -> None:
    on = today()
    leased = make_unit(zone.x, code="X-leased")
    make_lease(leased, on - days(10), on + days(300))
    make_unit(zone.x, code="X-free")

    assert codes(search(zone.manager_x, status="vacant")[0]) == ["X-free"]
    assert codes(search(zone.manager_x, status="occupied")[0]) == ["X-leased"]
    # On the day the lease ends the unit is vacant again.
    response, body = search(zone.manager_x, status="vacant", on=(on + days(300)).isoformat())
    assert codes(response) == ["X-free", "X-leased"]
    assert (on + days(300)).isoformat() in body


def test_it_counts_again_after_a_change_though_the_count_is_cached(
    zone: Zone, django_capture_on_commit_callbacks: Any
) -> None:
    """The count is cached under the figures' generation: a lease moves it on."""
    on = today()
    first, second = make_unit(zone.x, code="X-1"), make_unit(zone.x, code="X-2")
    make_unit(zone.x, code="X-3")

    def vacant() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response, _ = search(zone.manager_x, status="vacant")
        return response.context["results"].count, len(queries)

    count, cold = vacant()
    again, warm = vacant()
    assert count == again == 3
    assert warm < cold  # the second search took its count from the cache

    with django_capture_on_commit_callbacks(execute=True):
        make_lease(first, on, None)
    assert vacant()[0] == 2
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(second, on, on + days(400), state=Allocation.State.HELD)
    assert vacant()[0] == 1


def test_it_filters_units_free_for_a_whole_term(zone: Zone) -> None:
    start = today() + days(30)
    end = add_months(start, 12)
    make_unit(zone.x, code="X-free")
    ends_before = make_unit(zone.x, code="X-ends-before")
    make_lease(ends_before, today() - days(300), start)  # ends the day before: free
    ends_inside = make_unit(zone.x, code="X-ends-inside")
    make_lease(ends_inside, today() - days(300), start + days(1))
    starts_inside = make_unit(zone.x, code="X-starts-inside")
    make_lease(starts_inside, end - days(1), None)
    starts_after = make_unit(zone.x, code="X-starts-after")
    make_lease(starts_after, end, None)  # from the term's end: free for it
    held = make_unit(zone.x, code="X-held")
    make_lease(held, start, start + days(90), state=Allocation.State.HELD)
    cancelled = make_unit(zone.x, code="X-cancelled")
    Allocation.objects.create(
        unit=cancelled, tenant=make_tenant(), start=start, end=end, state="cancelled"
    )
    expired = make_unit(zone.x, code="X-expired-hold")
    Allocation.objects.create(
        unit=expired,
        tenant=make_tenant(),
        start=start,
        end=end,
        state=Allocation.State.HELD,
        hold_expires_at=timezone.now() - days(1),
    )
    make_unit(zone.x, code="X-common", leasable=False)
    make_unit(zone.x, code="X-retiring", retired_on=end - days(1))
    make_unit(zone.x, code="X-late", in_service_from=start + days(1))

    response, _ = search(zone.manager_x, available_from=start.isoformat(), term_months="12")

    assert codes(response) == [
        "X-cancelled",
        "X-ends-before",
        "X-expired-hold",
        "X-free",
        "X-starts-after",
    ]


def test_it_takes_a_twelve_month_term_when_none_is_given(zone: Zone) -> None:
    start = today() + days(30)
    short = make_unit(zone.x, code="X-taken-in-month-11")
    make_lease(short, add_months(start, 11), None)
    make_unit(zone.x, code="X-free")

    response, _ = search(zone.manager_x, available_from=start.isoformat())
    six, _ = search(zone.manager_x, available_from=start.isoformat(), term_months="6")

    assert codes(response) == ["X-free"]
    assert codes(six) == ["X-free", "X-taken-in-month-11"]


def test_it_combines_filters(zone: Zone) -> None:
    make_unit(zone.x, code="X-1", kind=Unit.Kind.LAB, seats=20, turnkey=True)
    make_unit(zone.x, code="X-2", kind=Unit.Kind.LAB, seats=5, turnkey=True)
    make_unit(zone.x, code="X-3", kind=Unit.Kind.OFFICE, seats=20, turnkey=True)
    make_unit(zone.y, code="Y-1", kind=Unit.Kind.LAB, seats=20, turnkey=True)

    response, _ = search(
        zone.leader, carrier=zone.x.code, kind="lab", seats="10", turnkey_ready="on"
    )

    assert codes(response) == ["X-1"]


# --- the status filter agrees with the derived status ---------------------------------


def test_it_filters_every_status_exactly_as_the_derived_status_labels_it(zone: Zone) -> None:
    on = today()
    now = timezone.now()
    make_every_status(make_floor(zone.x), on, now)

    labelled = dict(Unit.objects.with_status(on, now=now).values_list("code", "status"))
    assert set(labelled.values()) == set(UnitStatus.values), "the control: every status"
    for status in UnitStatus.values:
        found = set(Unit.objects.filter(status_q(status, on, now)).values_list("code", flat=True))
        assert found == {code for code, s in labelled.items() if s == status}, status


# --- sorting and pages ----------------------------------------------------------------


@pytest.fixture
def sortable(zone: Zone) -> Zone:
    on = today()
    # code, area, rent, seats
    rows = (("X-2", "300", "40", 30), ("X-10", "100", "60", 10), ("X-1", "200", "50", 20))
    for code, area, rent, seats in rows:
        make_unit(
            zone.x,
            code=code,
            gross_area=Decimal(area),
            usable_area=Decimal("90"),
            list_rent=Decimal(rent),
            seats=seats,
        )
    leased = make_unit(
        zone.y, code="Y-1", gross_area=Decimal("250"), usable_area=Decimal("90"), seats=25
    )
    make_lease(leased, on - days(10), None)
    return zone


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("code", ["X-1", "X-10", "X-2", "Y-1"]),
        ("-code", ["Y-1", "X-2", "X-10", "X-1"]),
        ("area", ["X-10", "X-1", "Y-1", "X-2"]),
        ("-area", ["X-2", "Y-1", "X-1", "X-10"]),
        ("rent", ["X-2", "Y-1", "X-1", "X-10"]),
        ("-rent", ["X-10", "X-1", "Y-1", "X-2"]),
        ("seats", ["X-10", "X-1", "Y-1", "X-2"]),
        ("-seats", ["X-2", "Y-1", "X-1", "X-10"]),
        ("status", ["X-1", "X-10", "X-2", "Y-1"]),  # vacant before occupied
        ("-status", ["Y-1", "X-1", "X-10", "X-2"]),
        ("carrier", ["Y-1", "X-1", "X-10", "X-2"]),  # jccx before ycl2
        ("-carrier", ["X-1", "X-10", "X-2", "Y-1"]),
    ],
)
def test_it_sorts_by_each_column(sortable: Zone, sort: str, expected: list[str]) -> None:
    response, _ = search(sortable.leader, sort=sort)
    assert codes(response) == expected


def test_it_sorts_one_status_by_carrier_and_code(sortable: Zone) -> None:
    response, _ = search(sortable.leader, sort="-status", status="vacant")
    assert codes(response) == ["X-1", "X-10", "X-2"]


def test_it_sorts_by_carrier_then_code_by_default(sortable: Zone) -> None:
    response, _ = search(sortable.leader)
    assert codes(response) == ["Y-1", "X-1", "X-10", "X-2"]


def test_it_links_column_headers_to_sorts_that_keep_the_filters(sortable: Zone) -> None:
    _, body = search(sortable.leader, kind="office", sort="rent", page="1")
    links = re.findall(r'<th[^>]*><a href="\?([^"]*)"', body)
    assert links, "the control: headers are links"
    assert all("kind=office" in link for link in links)
    assert not any(re.search(r"(^|&amp;)page=", link) for link in links)  # back to page 1
    # The sorted column reverses; the others sort ascending.
    assert any("sort=-rent" in link for link in links)
    assert any("sort=area" in link for link in links)


def test_it_pages_the_results_and_keeps_the_filters_in_page_links(zone: Zone) -> None:
    for n in range(1, 46):
        make_unit(zone.x, code=f"X-{n:03d}", kind=Unit.Kind.LAB)
    make_unit(zone.x, code="X-office")

    first, body = search(zone.manager_x, kind="lab", per_page="20")
    third, _ = search(zone.manager_x, kind="lab", per_page="20", page="3")
    beyond, _ = search(zone.manager_x, kind="lab", per_page="20", page="99")

    assert codes(first) == [f"X-{n:03d}" for n in range(1, 21)]
    assert first.context["results"].count == 45
    assert codes(third) == [f"X-{n:03d}" for n in range(41, 46)]
    assert codes(beyond) == codes(third)  # past the end: the last page
    assert "kind=lab" in body and "per_page=20" in body and "page=2" in body
    default, _ = search(zone.manager_x)
    assert len(codes(default)) == 46  # 50 a page


def test_it_shows_status_tenant_and_lease_end(zone: Zone) -> None:
    on = today()
    leased = make_unit(zone.x, code="X-leased")
    lease = make_lease(leased, on - days(10), on + days(200), tenant=zone.company)
    make_lease(make_unit(zone.x, code="X-open"), on - days(10), None)
    make_unit(zone.x, code="X-free")

    response, body = search(zone.manager_x)

    rows = {r.code: r for r in response.context["results"].rows}
    assert rows["X-leased"].tenant == zone.company.name
    assert rows["X-leased"].lease_end == (lease.end - days(1)).isoformat()  # the last day
    assert rows["X-open"].lease_end == zh("open-ended")
    assert rows["X-free"].tenant == "" and rows["X-free"].lease_end == ""
    assert zone.company.name in body
    assert (lease.end - days(1)).isoformat() in body
    assert 'class="unit-status status-occupied"' in body
    assert 'class="unit-status status-vacant"' in body
    assert zh("open-ended") in body


# --- a fixed number of queries --------------------------------------------------------


def _units(carrier: Carrier, n: int) -> None:
    floor = make_floor(carrier)
    for i in range(n):
        unit = make_unit(floor=floor, code=f"Q-{i:03d}", turnkey=True)
        if i % 3 == 0:
            make_lease(unit, today() - days(10), today() + days(30 + i))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "vacant"},
        {"sort": "-status", "status": "available_soon"},
        {"sort": "status"},
        {"available_from": "2030-01-01", "term_months": "12", "turnkey_ready": "on"},
        {"carrier": "ycl2", "sort": "rent", "per_page": "100"},
    ],
    ids=["plain", "status", "status-filtered-sort", "status-sort", "term", "carrier"],
)
def test_it_runs_the_same_number_of_queries_for_5_or_50_units(
    zone: Zone, query: dict[str, str]
) -> None:
    client = client_for(zone.leader)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(URL, query)
        assert response.status_code == 200
        assert response.context["results"] is not None
        return len(ctx.captured_queries)

    _units(zone.x, 5)
    few = count()
    _units(zone.y, 45)
    many = count()

    assert few == many


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"area_min": "300", "area_max": "100"},
            "area_min",
            "The minimum area cannot be greater than the maximum area.",
        ),
        (
            {"rent_min": "80", "rent_max": "40"},
            "rent_min",
            "The minimum rent cannot be greater than the maximum rent.",
        ),
        ({"area_min": "-5"}, "area_min", "Area cannot be negative."),
        ({"area_max": "-5"}, "area_max", "Area cannot be negative."),
        ({"rent_min": "-1"}, "rent_min", "Rent cannot be negative."),
        ({"seats": "-2"}, "seats", "Seats cannot be negative."),
        ({"area_min": "lots"}, "area_min", "Enter a number."),
        ({"on": "2026-13-45"}, "on", "Enter a date as YYYY-MM-DD, e.g. 2027-03-01."),
        (
            {"available_from": "next week"},
            "available_from",
            "Enter a date as YYYY-MM-DD, e.g. 2027-03-01.",
        ),
        (
            {"term_months": "12"},
            "available_from",
            "Give the date from which the unit must be free for the term.",
        ),
        (
            {"available_from": "2027-03-01", "term_months": "0"},
            "term_months",
            "The term must be between 1 and 120 months.",
        ),
        (
            {"available_from": "2027-03-01", "term_months": "500"},
            "term_months",
            "The term must be between 1 and 120 months.",
        ),
        ({"on": "9999-12-31"}, "on", "Choose a date between %(first)s and %(last)s."),
        (
            {"available_from": "1999-12-31"},
            "available_from",
            "Choose a date between %(first)s and %(last)s.",
        ),
        ({"carrier": "no-such-carrier"}, "carrier", "Unknown carrier: choose one from the list."),
        ({"building": "1"}, "building", "Choose a carrier first, then one of its buildings."),
        (
            {"carrier": "ycl2", "building": "987654"},
            "building",
            "Unknown building: choose one from the list.",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and " " not in v else None,
)
def test_it_explains_bad_filters_and_keeps_what_was_typed(
    zone: Zone, query: dict[str, str], field: str, message: str
) -> None:
    make_unit(zone.x, code="X-101")
    bounds = {"first": "2000-01-01", "last": add_months(today(), 120).isoformat()}
    message = zh(message) % bounds if "%(first)s" in message else zh(message)

    response, body = search(zone.manager_x, kind="office", **query)

    assert response.context["results"] is None  # no list that ignored a filter
    assert "X-101" not in body
    assert message in response.context["filter"].form.errors[field]
    assert message in body
    assert 'role="alert"' in body
    form = response.context["filter"].form
    for name, value in query.items():
        if name in ("carrier", "building"):
            continue  # a select shows only its own choices
        assert form[name].value() == value
        assert f'value="{value}"' in body
    assert '<option value="office" selected>' in body


def test_it_explains_bad_input_in_chinese() -> None:
    """The control for the gettext-based assertions above: Django's own message
    for an unknown choice is translated already."""
    assert zh("Select a valid choice. %(value)s is not one of the available choices.") != (
        "Select a valid choice. %(value)s is not one of the available choices."
    )


def test_it_refuses_an_unknown_status_or_sort(zone: Zone) -> None:
    for query in ({"status": "sold"}, {"sort": "tenant"}, {"per_page": "1000"}):
        response, body = search(zone.manager_x, **query)
        assert response.context["results"] is None, query
        assert 'role="alert"' in body, query


# --- the count of a search over many carriers follows the page ------------------------

COUNT_URL = "/units/count.json"


@pytest.fixture
def many_carriers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leadership's two carriers count as many: the page does not wait for the count."""
    monkeypatch.setattr("carriers.search.FEW_CARRIERS", 1)


def _labs(zone: Zone, n: int) -> None:
    for i in range(1, n + 1):
        make_unit(zone.x if i % 2 else zone.y, code=f"L-{i:03d}", kind=Unit.Kind.LAB)


def test_it_sends_the_page_before_counting_over_many_carriers(
    zone: Zone, many_carriers: None
) -> None:
    _labs(zone, 45)
    query = {"kind": "lab", "per_page": "20"}

    with CaptureQueriesContext(connection) as queries:
        first, body = search(zone.leader, **query)
    results = first.context["results"]
    assert results.count is None and results.num_pages is None
    assert len(results.rows) == 20 and results.has_next and not results.has_previous
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)
    assert zh("Counting the matching units…") in body
    url = re.search(r'data-count-url="([^"]+)"', body)
    assert url is not None
    assert "kind=lab" in url[1] and "page=1" in url[1]

    answer = client_for(zone.leader).get(url[1].replace("&amp;", "&"))
    assert answer.status_code == 200
    payload = answer.json()
    assert payload["count"] == 45
    with translation.override("zh-hans"):
        assert payload["text"] == ngettext(
            "%(counter)s unit matches.", "%(counter)s units match.", 45
        ) % {"counter": 45}
        assert payload["pages"] == gettext("Page %(n)s of %(total)s") % {"n": 1, "total": 3}
    assert "45" in payload["text"] and "3" in payload["pages"]

    # Counted once: the next pages show it at once.
    second, body = search(zone.leader, page="2", **query)
    assert second.context["results"].count == 45
    assert "data-count-url" not in body


def test_it_pages_without_the_count_and_finds_the_last_page_past_the_end(
    zone: Zone, many_carriers: None
) -> None:
    _labs(zone, 45)
    third, _ = search(zone.leader, kind="lab", per_page="20", page="3")
    assert len(codes(third)) == 5
    assert not third.context["results"].has_next and third.context["results"].has_previous
    assert third.context["results"].count is None

    beyond, _ = search(zone.leader, kind="lab", per_page="20", page="99")
    assert codes(beyond) == codes(third)
    assert beyond.context["results"].number == 3
    assert beyond.context["results"].count == 45  # counted to find the last page


@pytest.mark.parametrize("page", ["99999999999999999999999", "-3", "abc", "0"])
def test_it_answers_any_page_number_with_a_page(zone: Zone, many_carriers: None, page: str) -> None:
    _labs(zone, 45)
    response, _ = search(zone.leader, kind="lab", per_page="20", page=page)
    expected = 3 if page.startswith("9") else 1
    assert response.context["results"].number == expected
    assert codes(response)


def test_it_counts_at_once_over_a_few_carriers(zone: Zone, many_carriers: None) -> None:
    _labs(zone, 5)
    chosen, body = search(zone.leader, kind="lab", carrier=zone.x.code)
    assert chosen.context["results"].count == 3
    assert "data-count-url" not in body
    managed, _ = search(zone.manager_x, kind="lab")
    assert managed.context["results"].count == 3


def test_it_answers_bad_count_filters_and_strangers_as_json(zone: Zone) -> None:
    bad = client_for(zone.manager_x).get(COUNT_URL, {"seats": "-2"})
    assert bad.status_code == 400
    assert bad.json()["errors"]["seats"] == [zh("Seats cannot be negative.")]
    assert Client().get(COUNT_URL).status_code == 401
    assert client_for(zone.company_user).get(COUNT_URL).status_code == 403
    assert client_for(zone.manager_x).post(COUNT_URL).status_code == 405
    make_unit(zone.y, code="Y-101")
    assert client_for(zone.manager_x).get(COUNT_URL).json()["count"] == 0  # not another's


# --- the same search as JSON ----------------------------------------------------------

JSON_URL = "/units/search.json"


def test_it_answers_the_same_search_as_json(zone: Zone) -> None:
    on = today()
    leased = make_unit(zone.x, code="X-leased", kind=Unit.Kind.LAB, turnkey=True)
    lease = make_lease(leased, on - days(10), on + days(200), tenant=zone.company)
    make_unit(zone.x, code="X-free", kind=Unit.Kind.LAB)
    make_unit(zone.x, code="X-office")
    make_unit(zone.y, code="Y-lab", kind=Unit.Kind.LAB)

    response = client_for(zone.manager_x).get(JSON_URL, {"kind": "lab", "sort": "-code"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    payload = response.json()
    assert payload["count"] == 2 and payload["page"] == 1 and payload["num_pages"] == 1
    assert payload["on"] == on.isoformat() and payload["sort"] == "-code"
    first, second = payload["units"]
    assert [first["code"], second["code"]] == ["X-leased", "X-free"]
    assert first["carrier"] == {"code": zone.x.code, "name": zone.x.name}
    assert first["status"] == "occupied" and first["let"] is True
    assert first["tenant"] == zone.company.name
    assert first["lease_last_day"] == (lease.end - days(1)).isoformat()
    assert first["turnkey"] is True and first["kind"] == "lab"
    assert first["url"] == reverse("workspace:unit", args=[leased.pk])
    assert second["status"] == "vacant" and second["tenant"] is None and not second["let"]


def test_it_answers_bad_json_filters_with_400_and_the_messages(zone: Zone) -> None:
    response = client_for(zone.manager_x).get(JSON_URL, {"area_min": "-1", "on": "soon"})

    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "bad_request"
    assert payload["errors"]["area_min"] == [zh("Area cannot be negative.")]
    assert payload["errors"]["on"] == [zh("Enter a date as YYYY-MM-DD, e.g. 2027-03-01.")]


def test_it_keeps_the_json_to_staff_and_refuses_writes(zone: Zone) -> None:
    assert Client().get(JSON_URL).status_code == 401
    assert client_for(zone.company_user).get(JSON_URL).status_code == 403
    refused = client_for(zone.manager_x).post(JSON_URL)
    assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD"
    make_unit(zone.y, code="Y-101")
    assert client_for(zone.manager_x).get(JSON_URL).json()["units"] == []


def test_it_answers_a_nul_byte_in_the_carrier_as_an_unknown_carrier(zone: Zone) -> None:
    """PostgreSQL refuses NUL in a string: the code must never reach a query as it is."""
    response, body = search(zone.manager_x, carrier="ycl2\x00", building="1")
    assert response.context["results"] is None
    assert zh("Unknown carrier: choose one from the list.") in body

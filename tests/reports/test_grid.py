"""The 租控表: floors × units coloured by status, tenant and lease end, in constant queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.leasing.workflow import days, make_lease, today
from tests.reports.dash_world import Zone, _unit, build_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone() -> Zone:
    return build_zone()


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grid_url(zone: Zone) -> str:
    return reverse("dashboard:grid", args=[zone.x.code])


def cell(body: str, code: str) -> str:
    """The markup of one unit's cell."""
    match = re.search(
        rf'<details class="rent-cell[^"]*" data-unit="{code}">.*?</details>', body, re.S
    )
    assert match, code
    return match.group(0)


def test_it_shows_floors_top_first_per_building(zone: Zone) -> None:
    response = client_for(zone.leader).get(grid_url(zone))

    grid = response.context["grid"]
    assert [b.name for b in grid.buildings] == ["A栋", "B栋"]
    assert [f.label for f in grid.buildings[0].floors] == ["3F", "2F", "1F"]
    assert [c.code for c in grid.buildings[0].floors[2].cells] == ["A-101", "A-102"]


def test_it_colours_each_unit_by_its_status(zone: Zone) -> None:
    body = client_for(zone.manager).get(grid_url(zone)).content.decode()

    assert "status-occupied" in cell(body, "A-101")
    assert "status-available_soon" in cell(body, "A-102")
    assert "status-vacant" in cell(body, "A-201")
    assert "status-not_for_lease" in cell(body, "A-302")


def test_it_shows_tenant_and_lease_end_on_hover_and_tap(zone: Zone) -> None:
    body = client_for(zone.manager).get(grid_url(zone)).content.decode()

    soon = cell(body, "A-102")
    last_day = (today() + days(29)).isoformat()  # ends (exclusive) in 30 days
    title = re.search(r'<summary title="([^"]*)"', soon).group(1)
    assert "昆山乙丑生物医药有限公司" in title and last_day in title
    # The popover (a <details>: no script) says it too, and links to the unit page.
    popover = soon.split("</summary>", 1)[1]
    assert "昆山乙丑生物医药有限公司" in popover and last_day in popover
    assert reverse("workspace:unit", args=[zone.units["A-102"].pk]) in popover
    assert "昆山甲子智能科技有限公司" in cell(body, "A-101")
    assert "<script" not in body and " style=" not in body


def test_it_counts_units_and_area_in_the_legend(zone: Zone) -> None:
    response = client_for(zone.leader).get(grid_url(zone))

    legend = {entry.status: (entry.units, entry.area) for entry in response.context["grid"].legend}
    assert legend["occupied"] == (2, 450)
    assert legend["available_soon"] == (1, 100)
    assert legend["vacant"] == (2, 450)
    assert legend["not_for_lease"] == (1, 50)
    assert response.context["grid"].total_units == 6


def test_it_shows_the_grid_on_a_chosen_date(zone: Zone) -> None:
    day = today() - days(40)  # before B-101 was let

    response = client_for(zone.leader).get(grid_url(zone), {"on": day.isoformat()})

    assert response.context["day"] == day
    assert "status-vacant" in cell(response.content.decode(), "B-101")


def test_it_explains_a_bad_date_and_shows_today(zone: Zone) -> None:
    client = client_for(zone.leader)
    client.cookies["django_language"] = "en"

    response = client.get(grid_url(zone), {"on": "2025-02-30"})

    assert response.status_code == 200
    assert response.context["day"] == today()
    assert "Showing today's units instead." in response.content.decode()


def test_it_shows_one_building_alone(zone: Zone) -> None:
    url = reverse("dashboard:grid_building", args=[zone.x.code, zone.b.pk])

    response = client_for(zone.manager).get(url)

    assert [b.name for b in response.context["grid"].buildings] == ["B栋"]
    assert "A-101" not in response.content.decode()


def test_it_hides_another_carriers_grid_from_a_manager(zone: Zone) -> None:
    client = client_for(zone.outsider)

    assert client.get(grid_url(zone)).status_code == 404
    url = reverse("dashboard:grid_building", args=[zone.x.code, zone.a.pk])
    assert client.get(url).status_code == 404
    # Y's building under X's code, for X's manager.
    url = reverse("dashboard:grid_building", args=[zone.x.code, zone.yb.pk])
    assert client_for(zone.manager).get(url).status_code == 404


def test_it_lets_leadership_read_every_grid(zone: Zone) -> None:
    client = client_for(zone.leader)
    for carrier in (zone.x, zone.y):
        assert client.get(reverse("dashboard:grid", args=[carrier.code])).status_code == 200


def test_it_shows_an_empty_floor(zone: Zone) -> None:
    from carriers.models import Floor

    Floor.objects.create(building=zone.b, level=2, label="2F")

    response = client_for(zone.leader).get(grid_url(zone))

    b_floors = response.context["grid"].buildings[1].floors
    assert [(f.label, len(f.cells)) for f in b_floors] == [("2F", 0), ("1F", 1)]
    assert "rent-empty" in response.content.decode()


def test_it_uses_the_same_number_of_queries_for_more_units(
    zone: Zone, django_assert_num_queries: object
) -> None:
    client = client_for(zone.leader)
    client.get(grid_url(zone))  # the session and the user, once
    # Session, user, the scope (3), the carrier, its floors, its units.
    with django_assert_num_queries(8) as small:
        client.get(grid_url(zone))
    for i in range(40):
        unit = _unit(zone.floors["A2"], f"A-2{i:02d}x", "60")
        if i % 3:
            make_lease(unit, today() - days(5), today() + days(200), tenant=zone.tenants["jiazi"])
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(grid_url(zone))
    assert response.context["grid"].total_units == 46

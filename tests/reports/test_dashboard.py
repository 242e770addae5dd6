"""The leadership dashboard: scope, drill-down, date, filters, sort, honest tiles, query counts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from carriers.models import Unit
from tests.factories import make_carrier
from tests.leasing.workflow import days, today
from tests.reports.dash_world import Zone, _unit, build_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone() -> Zone:
    return build_zone()


def client_for(user: object, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def tiles_of(response: object) -> dict[str, object]:
    return {tile.name: tile for tile in response.context["tiles"]}


def league_names(response: object) -> list[str]:
    return [row.name for row, _url in response.context["league"]]


# --- who sees what ----------------------------------------------------------------------


def test_it_shows_leadership_every_carrier(zone: Zone) -> None:
    response = client_for(zone.leader).get("/")

    assert response.status_code == 200
    assert set(league_names(response)) == {zone.x.name, zone.y.name}
    occupancy = tiles_of(response)["occupancy_area"].figure
    # X: 550 of 1,000 m²; Y: 400 of 500 m².
    assert (occupancy.numerator, occupancy.denominator) == (Decimal("950"), Decimal("1500"))


def test_it_shows_a_manager_only_their_carriers(zone: Zone) -> None:
    response = client_for(zone.manager).get("/")

    assert league_names(response) == [zone.x.name]
    body = response.content.decode()
    assert zone.y.name not in body
    occupancy = tiles_of(response)["occupancy_area"].figure
    assert (occupancy.numerator, occupancy.denominator) == (Decimal("550"), Decimal("1000"))


def test_it_hides_another_carrier_from_a_manager(zone: Zone) -> None:
    client = client_for(zone.manager)
    y_building = zone.yb
    for url in (
        reverse("dashboard:carrier", args=[zone.y.code]),
        reverse("dashboard:building", args=[zone.y.code, y_building.pk]),
        reverse("dashboard:floor", args=[zone.y.code, zone.floors["Y1"].pk]),
        # Y's building under X's code: not a way round the scope.
        reverse("dashboard:building", args=[zone.x.code, y_building.pk]),
        reverse("dashboard:floor", args=[zone.x.code, zone.floors["Y1"].pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_it_sends_a_companys_user_to_the_portal(zone: Zone) -> None:
    client = client_for(zone.tenant_user)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("dashboard:carrier", args=[zone.x.code])).status_code == 404


# --- drill-down -------------------------------------------------------------------------


def test_it_drills_down_from_district_to_floor(zone: Zone) -> None:
    client = client_for(zone.leader)
    carrier_url = reverse("dashboard:carrier", args=[zone.x.code])
    building_url = reverse("dashboard:building", args=[zone.x.code, zone.a.pk])
    floor_url = reverse("dashboard:floor", args=[zone.x.code, zone.floors["A3"].pk])

    district = client.get("/")
    assert carrier_url in [url for _row, url in district.context["league"]]

    carrier = client.get(carrier_url, {"sort": "name"})
    assert carrier.status_code == 200
    assert league_names(carrier) == ["A栋", "B栋"]
    assert building_url in carrier.content.decode()
    assert reverse("dashboard:grid", args=[zone.x.code]) in carrier.content.decode()
    occupancy = tiles_of(carrier)["occupancy_area"].figure
    assert (occupancy.numerator, occupancy.denominator) == (Decimal("550"), Decimal("1000"))

    building = client.get(building_url, {"sort": "name"})
    # Floors top first.
    assert league_names(building) == ["3F", "2F", "1F"]
    assert floor_url in building.content.decode()
    occupancy = tiles_of(building)["occupancy_area"].figure
    assert (occupancy.numerator, occupancy.denominator) == (Decimal("300"), Decimal("750"))

    floor = client.get(floor_url)
    assert floor.status_code == 200
    assert floor.context["league"] == []
    # The floor's units, not-for-lease one included, on the floor's own grid.
    body = floor.content.decode()
    assert 'data-unit="A-301"' in body and 'data-unit="A-302"' in body
    occupancy = tiles_of(floor)["occupancy_area"].figure
    assert (occupancy.numerator, occupancy.denominator) == (Decimal("0"), Decimal("150"))
    # Breadcrumbs lead back up.
    for url in ("/", carrier_url, building_url):
        assert f'href="{url}"' in body


def test_it_keeps_the_date_when_drilling_down(zone: Zone) -> None:
    day = (today() - days(40)).isoformat()

    response = client_for(zone.leader).get(f"/?on={day}")

    carrier_url = reverse("dashboard:carrier", args=[zone.x.code])
    assert f'href="{carrier_url}?on={day}"' in response.content.decode()


# --- the date ---------------------------------------------------------------------------


def test_it_shows_the_figures_on_a_chosen_date(zone: Zone) -> None:
    day = today() - days(40)  # before B-101 was let

    response = client_for(zone.manager).get(f"/?on={day.isoformat()}")

    assert response.context["day"] == day
    occupancy = tiles_of(response)["occupancy_area"].figure
    assert occupancy.on == day
    assert occupancy.numerator == Decimal("300")


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "0001-01-01", "9999-12-31", "2025-1"])
def test_it_explains_a_bad_date_and_shows_today(zone: Zone, bad: str) -> None:
    response = client_for(zone.leader, "en").get("/", {"on": bad})

    assert response.status_code == 200
    assert response.context["day"] == today()
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Showing today's figures instead." in body


def test_it_explains_a_bad_date_in_chinese_by_default(zone: Zone) -> None:
    response = client_for(zone.leader).get("/", {"on": "2025-02-30"})

    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert 'role="alert"' in response.content.decode()


# --- filters ----------------------------------------------------------------------------


def test_it_filters_by_unit_kind(zone: Zone) -> None:
    lab = _unit(zone.floors["A2"], "A-202", "80", kind=Unit.Kind.LAB)

    response = client_for(zone.leader).get("/", {"kind": Unit.Kind.LAB})

    occupancy = tiles_of(response)["occupancy_area"].figure
    assert occupancy.denominator == lab.gross_area
    assert occupancy.numerator == 0


def test_it_filters_by_the_carriers_industry_focus(zone: Zone) -> None:
    zone.y.industry_focus = "ic"
    zone.y.save()

    response = client_for(zone.leader).get("/", {"industry": "ic"})

    assert league_names(response) == [zone.y.name]
    occupancy = tiles_of(response)["occupancy_area"].figure
    assert occupancy.denominator == Decimal("500")


def test_it_ignores_an_unknown_filter_value_and_says_so(zone: Zone) -> None:
    response = client_for(zone.leader, "en").get("/", {"kind": "spaceship"})

    assert response.status_code == 200
    assert tiles_of(response)["occupancy_area"].figure.denominator == Decimal("1500")
    assert "This filter is left out." in response.content.decode()


# --- the league table -------------------------------------------------------------------


def test_it_sorts_the_league_by_occupancy_best_first_by_default(zone: Zone) -> None:
    response = client_for(zone.leader).get("/")

    assert response.context["sort"] == "-occupancy_area"
    assert league_names(response) == [zone.y.name, zone.x.name]  # 80 % before 55 %


@pytest.mark.parametrize(
    ("sort", "first"),
    [
        ("occupancy_area", "x"),
        ("-occupancy_area", "y"),
        ("leasable_area", "y"),
        ("-leasable_area", "x"),
        ("exposure_area", "y"),  # Y has nothing ending: 0 %
        ("-exposure_area", "x"),
        ("name", "y"),  # code order: jccx before ycl2
        ("-name", "x"),
    ],
)
def test_it_sorts_the_league_by_any_column(zone: Zone, sort: str, first: str) -> None:
    response = client_for(zone.leader).get("/", {"sort": sort})

    assert league_names(response)[0] == getattr(zone, first).name
    assert response.context["sort"] == sort


def test_it_puts_rows_without_a_figure_last_either_way(zone: Zone) -> None:
    empty = make_carrier(code="aaa-empty", name="昆山空载体")
    for sort in ("occupancy_area", "-occupancy_area"):
        response = client_for(zone.leader).get("/", {"sort": sort})
        assert league_names(response)[-1] == empty.name, sort
        assert "—" in response.content.decode()


@pytest.mark.parametrize("bad", ["password", "--occupancy_area", "-", "name;drop", ""])
def test_it_falls_back_to_the_default_sort_for_a_bad_key(zone: Zone, bad: str) -> None:
    response = client_for(zone.leader).get("/", {"sort": bad})

    assert response.status_code == 200
    assert response.context["sort"] == "-occupancy_area"


def test_it_links_each_header_to_sort_by_it(zone: Zone) -> None:
    body = client_for(zone.leader).get("/").content.decode()

    assert 'href="?sort=occupancy_area"' in body  # the current column flips
    assert 'href="?sort=-vacancy_area"' in body  # others sort descending first
    assert 'href="?sort=name"' in body


# --- honest tiles -----------------------------------------------------------------------


def test_it_shows_each_tiles_basis_date_and_exclusions(zone: Zone) -> None:
    with translation.override("en"):
        response = client_for(zone.manager, "en").get("/")
        body = response.content.decode()
        tiles = tiles_of(response)
        _assert_honest_tiles(tiles, body)


def _assert_honest_tiles(tiles: dict[str, object], body: str) -> None:
    assert list(tiles) == [
        "occupancy_area",
        "occupancy_count",
        "vacancy_area",
        "exposure_area",
        "vacant_turnkey_ready",
        "time_to_fill_days",
        "incubatee_area_share",
    ]
    occupancy = tiles["occupancy_area"]
    assert occupancy.value == "55.0%"
    assert occupancy.basis == "by gross area"
    assert occupancy.when == today().isoformat()
    assert occupancy.ratio_text == "550.0 m² ÷ 1,000.0 m²"
    assert "Not for lease: 1 units, 50.00 m²" in body
    assert tiles["exposure_area"].value == "10.0%"
    assert tiles["vacant_turnkey_ready"].value == "50.0%"  # A-201 of
    # A period figure says its period.
    fill = tiles["time_to_fill_days"]
    assert " – " in fill.when


def test_it_shows_month_and_year_changes_with_arrows(zone: Zone) -> None:
    with translation.override("en"):
        response = client_for(zone.manager, "en").get("/")
    occupancy = tiles_of(response)["occupancy_area"]

    # A month ago B-101 was not let: 300 of 1,000 m² → 550 of 1,000 m².
    assert occupancy.mom.text == "+25.0 pts"
    assert (occupancy.mom.direction, occupancy.mom.tone) == ("up", "good")
    vacancy = tiles_of(response)["vacancy_area"]
    assert (vacancy.mom.direction, vacancy.mom.tone) == ("down", "good")
    assert "▲" in response.content.decode()


def test_it_shows_a_dash_not_zero_without_a_figure(zone: Zone) -> None:
    empty = make_carrier(code="empty", name="昆山空载体")

    response = client_for(zone.leader).get(reverse("dashboard:carrier", args=[empty.code]))

    assert response.status_code == 200
    tiles = tiles_of(response)
    assert tiles["occupancy_area"].value == "—"
    assert tiles["occupancy_area"].mom.text == "—"
    assert "0.0%" not in response.content.decode()


def test_it_draws_the_trend_as_inline_svg_without_scripts(zone: Zone) -> None:
    body = client_for(zone.leader).get("/").content.decode()

    assert len(re.findall(r'<svg[^>]*class="chart"', body)) == 2  # wide and phone-sized
    assert "<script" not in body
    assert " style=" not in body
    assert len(client_for(zone.leader).get("/").context["trend"].points) == 25


def test_it_links_the_carriers_reports_and_the_api(zone: Zone) -> None:
    body = client_for(zone.leader).get(reverse("dashboard:carrier", args=[zone.x.code]))
    body = body.content.decode()

    assert reverse("reports:carrier_pdf", args=[zone.x.code]) in body
    assert reverse("reports:carrier_xlsx", args=[zone.x.code]) in body
    assert f"{reverse('dashboard:api_occupancy')}?scope=carrier%3A{zone.x.code}" in body


# --- queries ----------------------------------------------------------------------------


def _more_data(zone: Zone, n: int) -> None:
    from tests.leasing.workflow import make_lease

    for i in range(n):
        unit = _unit(zone.floors["B1"], f"B-2{i:02d}", "120")
        if i % 2:
            make_lease(unit, today() - days(10 + i), None, tenant=zone.tenants["yichou"])


@pytest.mark.parametrize(
    "url",
    ["/", "/carriers/ycl2/", "building", "floor"],
)
def test_it_uses_the_same_number_of_queries_for_more_data(zone: Zone, url: str) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if url == "building":
        url = reverse("dashboard:building", args=[zone.x.code, zone.b.pk])
    elif url == "floor":
        url = reverse("dashboard:floor", args=[zone.x.code, zone.floors["B1"].pk])
    client = client_for(zone.leader)
    counts = []
    for extra in (0, 30):
        _more_data(zone, extra)
        cache.clear()  # cold: every figure computed
        with CaptureQueriesContext(connection) as cold:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(url).status_code == 200
        counts.append((len(cold), len(warm)))
    assert counts[0] == counts[1]
    cold, warm = counts[0]
    assert warm < cold

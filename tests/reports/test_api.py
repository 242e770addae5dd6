"""GET /api/v1/occupancy/: every figure as JSON, through the access rules, errors as JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.leasing.workflow import days, today
from tests.reports.dash_world import Zone, build_zone

pytestmark = pytest.mark.django_db

URL = "/api/v1/occupancy/"
FIELDS = {
    "name",
    "label",
    "display",
    "value",
    "numerator",
    "denominator",
    "basis",
    "on",
    "period",
    "excludes",
    "month_on_month",
    "year_on_year",
}


@pytest.fixture
def zone() -> Zone:
    return build_zone()


def client_for(user: object | None, language: str | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def get(client: Client, **params: str) -> tuple[int, dict[str, Any]]:
    response = client.get(URL, params)
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def figures(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in payload["figures"]}


def test_it_is_the_url_the_docs_give() -> None:
    assert reverse("dashboard:api_occupancy") == URL


def test_it_answers_every_figure_with_its_basis_and_exclusions(zone: Zone) -> None:
    status, payload = get(client_for(zone.leader, "en"), scope=f"carrier:{zone.x.code}")

    assert status == 200
    assert payload["version"] == 1
    assert payload["scope"] == {
        "level": "carrier",
        "scope": "carrier:ycl2",
        "name": zone.x.name,
        "carrier": {"code": "ycl2", "name": zone.x.name},
    }
    assert payload["on"] == today().isoformat()
    by_name = figures(payload)
    assert {"occupancy_area", "time_to_fill_days", "incubatee_area_share"} <= set(by_name)
    assert all(set(f) == FIELDS for f in by_name.values())
    area = by_name["occupancy_area"]
    assert area["value"] == "0.5500"
    assert (area["numerator"], area["denominator"]) == ("550.00", "1000.00")
    assert area["basis"] == "area"
    assert area["label"] == "Occupancy by area"
    assert area["display"] == "55.0%"
    assert area["month_on_month"] == "0.2500"
    assert any("Not for lease" in line for line in area["excludes"])
    assert by_name["time_to_fill_days"]["period"] is not None


def test_it_answers_the_district_as_far_as_the_user_sees_it(zone: Zone) -> None:
    _, everything = get(client_for(zone.leader))
    _, mine = get(client_for(zone.manager), scope="district")

    assert figures(everything)["occupancy_area"]["denominator"] == "1500.00"
    assert figures(mine)["occupancy_area"]["denominator"] == "1000.00"
    assert mine["scope"]["level"] == "district"


def test_it_answers_a_building_and_a_floor(zone: Zone) -> None:
    client = client_for(zone.manager)

    _, building = get(client, scope=f"building:{zone.a.pk}")
    _, floor = get(client, scope=f"floor:{zone.floors['A1'].pk}")

    assert figures(building)["occupancy_area"]["denominator"] == "750.00"
    assert building["scope"]["building"] == {"id": zone.a.pk, "name": "A栋"}
    assert figures(floor)["occupancy_area"]["numerator"] == "300.00"
    assert floor["scope"]["floor"] == {"id": zone.floors["A1"].pk, "label": "1F"}


def test_it_answers_on_a_chosen_date(zone: Zone) -> None:
    day = (today() - days(40)).isoformat()

    _, payload = get(client_for(zone.manager), scope="carrier:ycl2", on=day)

    assert payload["on"] == day
    assert figures(payload)["occupancy_area"]["numerator"] == "300.00"
    assert figures(payload)["occupancy_area"]["on"] == day


def test_it_hides_another_carrier_as_if_it_did_not_exist(zone: Zone) -> None:
    client = client_for(zone.manager)
    answers = [
        get(client, scope=f"carrier:{zone.y.code}"),
        get(client, scope="carrier:no-such-carrier"),
        get(client, scope=f"building:{zone.yb.pk}"),
        get(client, scope=f"floor:{zone.floors['Y1'].pk}"),
        get(client, scope="floor:987654321"),
    ]
    assert {status for status, _ in answers} == {404}
    assert len({json.dumps(payload) for _, payload in answers}) == 1  # nothing told apart
    assert answers[0][1]["error"] == "not_found"


def test_it_refuses_anonymous_users_with_401(zone: Zone) -> None:
    status, payload = get(client_for(None, "en"), scope="carrier:ycl2")

    assert status == 401
    assert payload["error"] == "not_authenticated"
    assert "Sign in" in payload["message"]


def test_it_refuses_a_companys_user_with_403_before_any_lookup(zone: Zone) -> None:
    client = client_for(zone.tenant_user)

    real = get(client, scope="carrier:ycl2")
    missing = get(client, scope="carrier:no-such-carrier")

    assert real == missing
    assert real[0] == 403
    assert real[1]["error"] == "forbidden"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "galaxy"}, "scope"),
        ({"scope": "carrier:"}, "scope"),
        ({"scope": "carrier:\x00"}, "scope"),
        ({"scope": "carrier:" + "x" * 51}, "scope"),
        ({"scope": "building:abc"}, "scope"),
        ({"scope": "floor:-1"}, "scope"),
        ({"scope": "district:1"}, "scope"),
        ({"on": "2025-02-30"}, "on"),
        ({"on": "tomorrow"}, "on"),
        ({"on": "0001-01-01"}, "on"),
        ({"kind": "spaceship"}, "kind"),
        ({"tenant_industry": "astrology"}, "tenant_industry"),
    ],
)
def test_it_refuses_bad_parameters_with_a_clear_400(
    zone: Zone, params: dict[str, str], field: str
) -> None:
    status, payload = get(client_for(zone.leader, "en"), **params)

    assert status == 400
    assert payload["error"] == "bad_request"
    assert payload["field"] == field
    assert payload["message"]


def test_it_narrows_figures_to_one_industry_of_companies(zone: Zone) -> None:
    zone.tenants["yichou"].industry = "biomedicine"
    zone.tenants["yichou"].save()
    client = client_for(zone.leader)

    _, everyone = get(client, scope="district")
    _, biomedicine = get(client, scope="district", tenant_industry="biomedicine")

    every_area = figures(everyone)["occupancy_area"]
    bio_area = figures(biomedicine)["occupancy_area"]
    assert bio_area["denominator"] == every_area["denominator"]  # a share of all the space
    assert 0 < float(bio_area["numerator"]) < float(every_area["numerator"])
    assert biomedicine["filters"] == {"tenant_industry": "biomedicine"}


def test_it_explains_a_bad_date_in_the_users_language(zone: Zone) -> None:
    _, english = get(client_for(zone.leader, "en"), on="2025-02-30")

    assert english["message"] == "on: Enter a date as YYYY-MM-DD, for example 2025-06-30."


def test_it_only_reads(zone: Zone) -> None:
    response = client_for(zone.leader).post(URL, {"scope": "district"})

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content)["error"] == "method_not_allowed"


def test_it_agrees_with_the_dashboard(zone: Zone) -> None:
    client = client_for(zone.leader)
    page = client.get(reverse("dashboard:carrier", args=[zone.x.code]))
    _, payload = get(client, scope="carrier:ycl2")

    api = figures(payload)
    for tile in page.context["tiles"]:
        if tile.figure is not None:
            assert api[tile.name]["value"] == tile.figure.as_json()["value"], tile.name


def test_it_uses_the_same_number_of_queries_for_more_data(zone: Zone) -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.reports.dash_world import _unit

    client = client_for(zone.leader)
    counts = []
    for extra in (0, 25):
        for i in range(extra):
            _unit(zone.floors["Y1"], f"Y-2{i:02d}", "90")
        cache.clear()
        with CaptureQueriesContext(connection) as cold:
            assert client.get(URL, {"scope": "carrier:jccx"}).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(URL, {"scope": "carrier:jccx"}).status_code == 200
        counts.append((len(cold), len(warm)))
    assert counts[0] == counts[1]
    assert counts[0][1] < counts[0][0]

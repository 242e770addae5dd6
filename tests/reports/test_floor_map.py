"""The floor page's map: the plan with each unit's shape coloured by its status on a date."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from carriers.models import Floor, FloorPlan, Unit
from carriers.status import UnitStatus
from tests.leasing.workflow import days, make_lease, today
from tests.reports.dash_world import Zone, _floor, _unit, build_zone

pytestmark = pytest.mark.django_db

RECT = {"kind": "rect", "points": [[0.1, 0.2], [0.5, 0.6]]}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def zone() -> Zone:
    return build_zone()


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def floor_url(zone: Zone, key: str = "A1", on: str = "") -> str:
    url = reverse("dashboard:floor", args=[zone.x.code, zone.floors[key].pk])
    return f"{url}?on={on}" if on else url


def add_plan(floor: Floor, size: tuple[int, int] = (800, 400)) -> FloorPlan:
    out = io.BytesIO()
    Image.new("RGB", size, (240, 240, 240)).save(out, "PNG")
    data = out.getvalue()
    return FloorPlan.objects.create(
        floor=floor,
        image=ContentFile(data, "plan.png"),
        thumb_small=ContentFile(data, "small.png"),
        thumb_large=ContentFile(data, "large.png"),
    )


def set_shape(zone: Zone, code: str, shape: object) -> None:
    Unit.objects.filter(pk=zone.units[code].pk).update(shape=shape)


def map_units(body: str) -> dict[str, dict[str, str]]:
    """Each unit drawn on the map: its status class, link, hover text and outline."""
    out = {}
    for match in re.finditer(
        r'<a class="map-unit status-(?P<status>\w+)" href="(?P<href>[^"]+)" '
        r'data-unit="(?P<code>[^"]+)"[^>]*>\s*<title>(?P<title>[^<]*)</title>\s*'
        r'<polygon class="map-shape" points="(?P<points>[^"]+)"/>',
        body,
    ):
        out[match["code"]] = {
            "status": match["status"],
            "href": match["href"],
            "title": html.unescape(match["title"]),
            "points": match["points"],
        }
    return out


def map_section(body: str) -> str:
    start = body.index('<section class="dash-card floor-map-card"')
    return body[start : body.index("</section>", start)]


# --- colours, hover text and links ------------------------------------------------------


def test_it_colours_each_unit_by_its_status_today(zone: Zone) -> None:
    body = client_for(zone.leader).get(floor_url(zone)).content.decode()

    units = map_units(body)
    assert {code: u["status"] for code, u in units.items()} == {
        "A-101": UnitStatus.OCCUPIED,
        "A-102": UnitStatus.AVAILABLE_SOON,
    }


def test_it_colours_each_unit_by_its_status_on_the_date_chosen(zone: Zone) -> None:
    before_any_lease = (today() - days(500)).isoformat()

    body = client_for(zone.leader).get(floor_url(zone, on=before_any_lease)).content.decode()

    assert {u["status"] for u in map_units(body).values()} == {UnitStatus.VACANT}


def test_it_shows_code_area_status_and_tenant_on_hover(zone: Zone) -> None:
    response = client_for(zone.manager).get(floor_url(zone))

    units = map_units(response.content.decode())
    occupied = units["A-101"]["title"]
    assert occupied.startswith("A-101 · 200 m² · ")
    assert "昆山甲子智能科技有限公司" in occupied
    assert "昆山乙丑生物医药有限公司" in units["A-102"]["title"]
    # The same words as the grid's cell, so the two never disagree.
    cells = {c.code: c for f in response.context["floor_grid"].buildings[0].floors for c in f.cells}
    assert occupied == cells["A-101"].title


def test_it_opens_the_unit_page_on_a_click(zone: Zone) -> None:
    body = client_for(zone.leader).get(floor_url(zone)).content.decode()

    for code, drawn in map_units(body).items():
        assert drawn["href"] == reverse("workspace:unit", args=[zone.units[code].pk])


def test_it_uses_the_grids_colours_and_legend_without_inline_styles(zone: Zone) -> None:
    body = client_for(zone.leader).get(floor_url(zone)).content.decode()

    section = map_section(body)
    assert 'class="grid-legend"' in section
    assert '<link rel="stylesheet" href="/static/floor_map.css">' in body
    assert " style=" not in section and "<script" not in section and " fill=" not in section


@pytest.mark.parametrize(("who", "sees"), [("manager", True), ("admin", True), ("leader", False)])
def test_it_links_the_editor_for_those_who_may_draw(zone: Zone, who: str, sees: bool) -> None:
    body = client_for(getattr(zone, who)).get(floor_url(zone)).content.decode()

    editor = reverse("workspace:floor_map", args=[zone.floors["A1"].pk])
    assert (f'href="{editor}"' in body) is sees


def test_it_draws_no_map_above_the_floor(zone: Zone) -> None:
    body = client_for(zone.leader).get(reverse("dashboard:carrier", args=[zone.x.code]))

    assert "floor-map-card" not in body.content.decode()
    assert body.context["floor_map"] is None


# --- plan, sheet and grid -----------------------------------------------------------------


def test_it_lays_out_a_floor_without_plan_or_shapes_on_a_grid(zone: Zone) -> None:
    response = client_for(zone.leader).get(floor_url(zone))

    floor_map = response.context["floor_map"]
    assert not floor_map.has_plan and floor_map.unplaced is None
    assert [s.cell.code for s in floor_map.canvas.shapes] == ["A-101", "A-102"]
    assert "<image" not in map_section(response.content.decode())
    # Sized by area: A-101 (200 m²) is drawn wider than A-102 (100 m²).
    widths = {}
    for code, drawn in map_units(response.content.decode()).items():
        xs = [float(p.split(",")[0]) for p in drawn["points"].split()]
        widths[code] = max(xs) - min(xs)
    assert widths["A-101"] > widths["A-102"]


def test_it_draws_the_shapes_on_the_plan_and_the_rest_beneath(zone: Zone) -> None:
    plan = add_plan(zone.floors["A1"], size=(800, 400))
    set_shape(zone, "A-101", RECT)

    response = client_for(zone.leader).get(floor_url(zone))

    body = response.content.decode()
    section = map_section(body)
    image = re.search(r'<image class="floor-map-plan" href="([^"]+)"', section)
    assert image and html.unescape(image[1]) == plan.file_url("large")
    assert 'viewBox="0 0 1000 500"' in section  # the plan's proportions
    assert map_units(section)["A-101"]["points"] == "100,100 500,100 500,300 100,300"
    floor_map = response.context["floor_map"]
    assert [s.cell.code for s in floor_map.canvas.shapes] == ["A-101"]
    assert [s.cell.code for s in floor_map.unplaced.shapes] == ["A-102"]
    assert section.count("<svg") == 2


def test_it_draws_shapes_on_a_blank_sheet_when_the_plan_is_gone(zone: Zone) -> None:
    set_shape(zone, "A-101", RECT)
    set_shape(zone, "A-102", {"kind": "polygon", "points": [[0.6, 0.2], [0.9, 0.2], [0.75, 0.8]]})

    response = client_for(zone.leader).get(floor_url(zone))

    floor_map = response.context["floor_map"]
    assert not floor_map.has_plan and floor_map.unplaced is None
    section = map_section(response.content.decode())
    assert 'class="floor-map-sheet"' in section and 'viewBox="0 0 1000 625"' in section
    assert map_units(section)["A-101"]["points"] == "100,125 500,125 500,375 100,375"


def test_it_draws_an_empty_floor_as_its_plan_or_says_it_is_empty(zone: Zone) -> None:
    empty = _floor(zone.a, 4)
    url = reverse("dashboard:floor", args=[zone.x.code, empty.pk])
    client = client_for(zone.leader)

    response = client.get(url)
    assert response.status_code == 200
    assert response.context["floor_map"].canvas is None
    assert "<svg" not in map_section(response.content.decode())

    add_plan(empty)
    response = client.get(url)
    assert response.context["floor_map"].canvas.shapes == []
    assert '<image class="floor-map-plan"' in map_section(response.content.decode())


@pytest.mark.parametrize(
    "broken",
    [{"kind": "rect"}, {"kind": "rect", "points": [[2, 2], [3, 3]]}, "rect", [1, 2]],
)
def test_it_treats_a_broken_stored_shape_as_undrawn(zone: Zone, broken: object) -> None:
    set_shape(zone, "A-101", broken)
    set_shape(zone, "A-102", RECT)

    response = client_for(zone.leader).get(floor_url(zone))

    assert response.status_code == 200
    floor_map = response.context["floor_map"]
    assert [s.cell.code for s in floor_map.unplaced.shapes] == ["A-101"]


# --- queries ----------------------------------------------------------------------------


def test_it_reads_the_map_in_the_same_number_of_queries_for_more_units(zone: Zone) -> None:
    from django.core.cache import cache

    floor = zone.floors["A1"]
    add_plan(floor)
    set_shape(zone, "A-101", RECT)
    client = client_for(zone.manager)
    counts = []
    for extra in (0, 30):
        for i in range(extra):
            unit = _unit(floor, f"A-1{i + 10:02d}", "80")
            if i % 2:
                make_lease(unit, today() - days(10 + i), None, tenant=zone.tenants["yichou"])
            if i % 3:
                Unit.objects.filter(pk=unit.pk).update(shape=RECT)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(floor_url(zone))
        assert response.status_code == 200
        counts.append(len(queries))
        assert len(map_units(response.content.decode())) == 2 + extra
    assert counts[0] == counts[1]

"""A floor's map as stored: the canvas, the plan's URL and saving a floor's shapes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image

from carriers.floor_map import (
    SHEET_HEIGHT,
    canvas_height,
    floor_shapes_save,
    parse_floor_shapes,
    plan_of,
    plan_url,
)
from carriers.models import Floor, FloorPlan, Unit
from tests.factories import make_carrier, make_floor, make_unit

pytestmark = pytest.mark.django_db

RECT = {"kind": "rect", "points": [[0.1, 0.1], [0.4, 0.3]]}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def floor() -> Floor:
    floor = make_floor(make_carrier(), level=2)
    make_unit(floor=floor, code="B-201")
    make_unit(floor=floor, code="B-202", shape=RECT)
    return floor


def add_plan(floor: Floor, size: tuple[int, int]) -> FloorPlan:
    out = io.BytesIO()
    Image.new("RGB", size, (255, 255, 255)).save(out, "PNG")
    data = out.getvalue()
    return FloorPlan.objects.create(
        floor=floor,
        image=ContentFile(data, "plan.png"),
        thumb_small=ContentFile(data, "s.png"),
        thumb_large=ContentFile(data, "l.png"),
    )


def ids(floor: Floor) -> dict[str, int]:
    return dict(Unit.objects.filter(floor=floor).values_list("code", "pk"))


def test_it_draws_a_floor_without_a_plan_on_the_sheet(floor: Floor) -> None:
    assert plan_of(floor) is None
    assert canvas_height(None) == SHEET_HEIGHT
    assert plan_url(None) == ""


def test_it_gives_the_canvas_the_plans_proportions(floor: Floor) -> None:
    plan = add_plan(floor, (1600, 900))

    assert plan_of(floor) == plan
    assert canvas_height(plan) == 562
    assert plan_url(plan) == plan.file_url("large")


def test_it_keeps_a_very_tall_plan_within_a_page(floor: Floor) -> None:
    assert canvas_height(add_plan(floor, (50, 2000))) == 4000


def test_it_saves_only_what_changed(floor: Floor) -> None:
    units = ids(floor)
    shapes = parse_floor_shapes(
        f'{{"{units["B-201"]}": {{"kind": "rect", "points": [[0.5, 0.5], [0.2, 0.2]]}},'
        f' "{units["B-202"]}": {{"kind": "rect", "points": [[0.1, 0.1], [0.4, 0.3]]}}}}',
        Unit.objects.filter(floor=floor),
    )

    assert floor_shapes_save(floor=floor, shapes=shapes) == 1
    assert Unit.objects.get(pk=units["B-201"]).shape == {
        "kind": "rect",
        "points": [[0.2, 0.2], [0.5, 0.5]],
    }
    assert floor_shapes_save(floor=floor, shapes={}) == 0


def test_it_saves_nothing_when_a_unit_left_the_floor_meanwhile(floor: Floor) -> None:
    units = ids(floor)
    shapes = parse_floor_shapes(
        f'{{"{units["B-201"]}": null, "{units["B-202"]}": null}}', Unit.objects.filter(floor=floor)
    )
    moved = Unit.objects.get(pk=units["B-201"])
    moved.floor = make_floor(floor.building.carrier, level=3)
    moved.save()

    with pytest.raises(ValidationError) as caught:
        floor_shapes_save(floor=floor, shapes=shapes)

    assert caught.value.code == "stale"
    assert Unit.objects.get(pk=units["B-202"]).shape == RECT


def test_it_lists_at_most_twenty_problems(floor: Floor) -> None:
    many = "{" + ", ".join(f'"{900000 + i}": null' for i in range(30)) + "}"

    with pytest.raises(ValidationError) as caught:
        parse_floor_shapes(many, Unit.objects.filter(floor=floor))

    messages = caught.value.messages
    assert len(messages) == 22  # 20, "… and 10 more.", "Nothing was saved."
    assert "10" in messages[20]

"""The demo zone's pictures: plans with unit shapes, photos, covers (carriers/demo/media.py)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation
from PIL import Image

from carriers.demo import ensure_demo_users, seed_demo_zone
from carriers.demo.drawings import PlannedUnit, layout_floor
from carriers.demo.media import current_layout, seed_demo_media
from carriers.demo.roster import NAMED
from carriers.images import THUMB_SIDES
from carriers.models import CarrierCover, Floor, FloorPlan, Unit, UnitPhoto
from carriers.shapes import validate_shape
from tests.images import stored_files

TODAY = dt.date(2025, 6, 30)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashers(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def zone(settings: Any) -> dict[str, int]:
    seed_demo_zone(scale=0.02, seed=7, today=TODAY)  # the two flagship carriers
    ensure_demo_users(demo_mode=False, today=TODAY)
    return seed_demo_media(seed=7, today=TODAY)


def test_it_draws_a_plan_for_every_floor_of_the_named_carriers(
    zone: dict[str, int], settings: Any
) -> None:
    floors = Floor.objects.filter(building__carrier__code__in=[s.code for s in NAMED])
    with_units = floors.filter(units__isnull=False).distinct()
    assert with_units.count() > 5
    assert set(FloorPlan.objects.values_list("floor_id", flat=True)) == set(
        with_units.values_list("pk", flat=True)
    )
    assert zone["plans"] == with_units.count()
    plan = FloorPlan.objects.first()
    assert plan is not None
    for field, side in (("thumb_large", THUMB_SIDES["large"]), ("thumb_small", 320)):
        with getattr(plan, field).open("rb") as handle:
            assert max(Image.open(handle).size) <= side
    # Stored under the test's own MEDIA_ROOT, as an upload would be.
    assert len(stored_files(Path(settings.MEDIA_ROOT))) >= 3 * zone["plans"]


def test_it_gives_the_current_units_shapes_that_fit_the_plan(zone: dict[str, int]) -> None:
    plans = FloorPlan.objects.select_related("floor")
    shaped = 0
    for plan in plans:
        units = current_layout(list(Unit.objects.filter(floor=plan.floor)), TODAY)
        boxes = []
        for unit in units:
            assert unit.shape is not None, unit
            assert validate_shape(unit.shape) == unit.shape
            (x0, y0), (x1, y1) = unit.shape["points"]
            boxes.append((x0, y0, x1, y1, float(unit.gross_area)))
            shaped += 1
        # No two units overlap on the plan.
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                overlap_x = min(a[2], b[2]) - max(a[0], b[0])
                overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                assert overlap_x <= 1e-6 or overlap_y <= 1e-6
    assert shaped == zone["shapes"]


def test_it_draws_units_in_proportion_to_their_area() -> None:
    units = [PlannedUnit(f"A-{n}", area, "office", True) for n, area in enumerate((100, 200, 400))]

    layout = layout_floor(units)

    widths = {code: x1 - x0 for code, (x0, _y0, x1, _y1) in layout.rects.items()}
    heights = {code: y1 - y0 for code, (_x0, y0, _x1, y1) in layout.rects.items()}
    area = {u.code: u.area for u in units}
    pixels = {code: widths[code] * heights[code] for code in widths}
    per_m2 = [pixels[code] / area[code] for code in pixels]
    assert max(per_m2) / min(per_m2) < 1.01


def test_it_photographs_a_few_units_and_covers_each_named_carrier(zone: dict[str, int]) -> None:
    present = [s.code for s in NAMED if CarrierCover.objects.filter(carrier__code=s.code).exists()]
    assert len(present) == 2 == zone["covers"]
    photos = UnitPhoto.objects.all()
    assert 4 <= photos.count() == zone["photos"]
    assert all(photo.caption for photo in photos)
    # The demo companies' own units are among them: the portal has pictures to show.
    demo_leased = Unit.objects.filter(
        allocations__tenant__users__username__in=("tenant1", "tenant2"),
        allocations__state="active",
    )
    assert photos.filter(unit__in=demo_leased).exists()


def test_it_adds_nothing_when_run_again(zone: dict[str, int], settings: Any) -> None:
    files = stored_files(Path(settings.MEDIA_ROOT))

    again = seed_demo_media(seed=7, today=TODAY)

    assert again == {"plans": 0, "shapes": 0, "photos": 0, "covers": 0}
    assert stored_files(Path(settings.MEDIA_ROOT)) == files


def test_it_can_skip_the_pictures() -> None:
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", "--scale", "0.02", "--no-pictures", stdout=out)

    assert "Pictures added" not in out.getvalue()
    assert not FloorPlan.objects.exists()

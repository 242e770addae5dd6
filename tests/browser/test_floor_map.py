"""A floor's map in a real browser, in Chinese.

A space manager uploads the floor's plan, draws one unit as a rectangle (a
drag) and another as a polygon (clicks, a double click closes it), saves, and
finds both on the floor page over the plan, coloured by their status: the
leased unit occupied, the other vacant. A file that is not a picture is
refused on the upload page with its reason, and the plan stays as it was.

The `page` fixture fails the test on any console or page error.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from carriers.models import FloorPlan, Unit
from leasing.access import MANAGER_GROUP
from tests.browser.session import log_in
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import days, make_lease, today

pytestmark = pytest.mark.django_db(transaction=True)

MANAGER_USER, MANAGER_PASSWORD = "zhou.min", "Carrier-Ops-2026"
COMPANY = "昆山智感科技有限公司"
OCCUPIED_FILL = "rgb(220, 230, 245)"  # --st-bg of .status-occupied (zaiti.css)
VACANT_FILL = "rgb(201, 236, 212)"  # --st-bg of .status-vacant


def plan_png(path: Path) -> Path:
    """A floor plan: an outline with two rooms, 1200 × 800 px."""
    image = Image.new("RGB", (1200, 800), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 1160, 760), outline=(40, 40, 40), width=6)
    draw.line((600, 40, 600, 760), fill=(40, 40, 40), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def test_it_draws_units_on_an_uploaded_plan_and_colours_them_by_status(
    page: Page, django_user_model, tmp_path: Path, settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = page.base_url
    shots = tmp_path / "floor-map"
    shots.mkdir()

    carrier = make_carrier(name="阳澄湖两岸科创中心研发总部二期", code="ycsh2")
    floor = make_floor(carrier, level=3)
    leased = make_unit(floor=floor, code="A-301", gross_area=Decimal("180.00"))
    free = make_unit(
        floor=floor, code="A-302", gross_area=Decimal("120.00"), usable_area=Decimal("100.00")
    )
    make_lease(leased, today() - days(60), None, tenant=make_tenant(name=COMPANY))
    manager = django_user_model.objects.create_user(MANAGER_USER, password=MANAGER_PASSWORD)
    manager.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])
    carrier.managers.add(manager)
    plan_page = f"/work/floors/{floor.pk}/plan/"
    editor = f"/work/floors/{floor.pk}/map/"

    # --- 1. the plan is uploaded; the upload page sends the manager to the editor ----
    log_in(page, MANAGER_USER, MANAGER_PASSWORD, plan_page)
    page.set_input_files("input[name=image]", str(plan_png(tmp_path / "plan.png")))
    page.click("form.ws-form button[type=submit]")
    page.wait_for_url(f"{base}{editor}")
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#fm-canvas image.fm-plan")).to_have_count(1)
    # The plan is served to the manager (the browser loads it through the scoped URL).
    plan_href = page.locator("#fm-canvas image.fm-plan").get_attribute("href")
    assert page.request.get(f"{base}{plan_href}").status == 200
    canvas = page.locator("#fm-canvas")
    box = canvas.bounding_box()
    assert box is not None
    assert box["width"] / box["height"] == pytest.approx(1200 / 800, rel=0.02)

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    # --- 2. A-301 as a rectangle, dragged out on the plan --------------------------------
    page.click(f".fm-unit[data-unit='{leased.pk}']")
    expect(page.locator(f".fm-unit[data-unit='{leased.pk}']")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#fm-hint")).to_contain_text("A-301")
    page.mouse.move(*at(0.1, 0.1))
    page.mouse.down()
    page.mouse.move(*at(0.3, 0.3), steps=5)
    page.mouse.move(*at(0.45, 0.5), steps=5)
    page.mouse.up()
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(1)
    expect(page.locator("#fm-dirty")).to_be_visible()

    # --- 3. A-302 as a polygon: clicks, a double click closes it ----------------------------
    page.click(f".fm-unit[data-unit='{free.pk}']")
    page.click(".fm-toolbar [data-mode=polygon]")
    expect(page.locator(".fm-toolbar [data-mode=polygon]")).to_have_attribute(
        "aria-pressed", "true"
    )
    page.mouse.click(*at(0.6, 0.1))
    page.mouse.click(*at(0.9, 0.1))
    page.mouse.click(*at(0.9, 0.6))
    page.mouse.dblclick(*at(0.6, 0.6))
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(2)
    expect(page.locator(f".fm-unit[data-unit='{free.pk}'] .fm-state.drawn")).to_have_count(1)
    page.screenshot(path=shots / "01-editor.png", full_page=True)

    # --- 4. saved, all of it ---------------------------------------------------------------
    page.click("#fm-form button[type=submit]")
    page.wait_for_url(f"{base}{editor}")
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(2)
    shapes = dict(Unit.objects.filter(floor=floor).values_list("code", "shape"))
    rect = shapes["A-301"]
    assert rect["kind"] == "rect"
    (x0, y0), (x1, y1) = rect["points"]
    assert (x0, y0, x1, y1) == pytest.approx((0.1, 0.1, 0.45, 0.5), abs=0.01)
    polygon = shapes["A-302"]
    assert polygon["kind"] == "polygon"
    corners = [coordinate for point in polygon["points"] for coordinate in point]
    assert corners == pytest.approx([0.6, 0.1, 0.9, 0.1, 0.9, 0.6, 0.6, 0.6], abs=0.01)

    # --- 5. the floor page: both units over the plan, coloured by status ---------------------
    page.click("ul.fm-links a[href*='/floors/']:not([href*='/work/'])")
    page.wait_for_url(re.compile(rf"/carriers/ycsh2/floors/{floor.pk}/$"))
    floor_map = page.locator("#floor-map")
    expect(floor_map.locator("image.floor-map-plan")).to_have_count(1)
    occupied = floor_map.locator("a.map-unit[data-unit='A-301']")
    vacant = floor_map.locator("a.map-unit[data-unit='A-302']")
    expect(occupied).to_have_class(re.compile(r"\bstatus-occupied\b"))
    expect(vacant).to_have_class(re.compile(r"\bstatus-vacant\b"))
    expect(occupied.locator("polygon.map-shape")).to_have_css("fill", OCCUPIED_FILL)
    expect(vacant.locator("polygon.map-shape")).to_have_css("fill", VACANT_FILL)
    expect(occupied.locator("title")).to_contain_text(COMPANY)
    expect(occupied.locator("title")).to_contain_text("180 m²")
    expect(floor_map.locator(".grid-legend .status-occupied")).to_be_visible()
    page.screenshot(path=shots / "02-floor-page.png", full_page=True)

    # A click opens the unit in the workspace.
    occupied.locator("polygon.map-shape").click()
    page.wait_for_url(f"{base}/work/units/{leased.pk}/")
    expect(page.locator("h1")).to_contain_text("A-301")

    # --- 6. a text file named plan.png is refused, and the plan stays -------------------------
    first_plan = FloorPlan.objects.get(floor=floor)
    page.goto(f"{base}{plan_page}")
    fake = tmp_path / "fake" / "plan.png"
    fake.parent.mkdir()
    fake.write_text("这不是一张图片，只是文字。\n", encoding="utf-8")
    page.set_input_files("input[name=image]", str(fake))
    page.click("form.ws-form button[type=submit]")
    page.wait_for_url(f"{base}{plan_page}")
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.locator(".errorlist")).not_to_be_empty()
    page.screenshot(path=shots / "03-bad-upload.png", full_page=True)
    assert FloorPlan.objects.get(floor=floor).image.name == first_plan.image.name


def test_it_adjusts_moves_clears_and_keeps_a_refused_drawing(page: Page, django_user_model) -> None:
    base = page.base_url
    carrier = make_carrier(name="国家高新区集成创新中心", code="jccx")
    floor = make_floor(carrier, level=2)
    moved = make_unit(
        floor=floor, code="B-201", shape={"kind": "rect", "points": [[0.2, 0.2], [0.5, 0.5]]}
    )
    cleared = make_unit(
        floor=floor,
        code="B-202",
        shape={"kind": "polygon", "points": [[0.7, 0.1], [0.9, 0.1], [0.8, 0.4]]},
    )
    crossed = make_unit(floor=floor, code="B-203")
    manager = django_user_model.objects.create_user(MANAGER_USER, password=MANAGER_PASSWORD)
    carrier.managers.add(manager)
    editor = f"/work/floors/{floor.pk}/map/"
    log_in(page, MANAGER_USER, MANAGER_PASSWORD, editor)
    expect(page.locator("#fm-canvas rect.fm-sheet")).to_have_count(1)  # no plan: a blank sheet
    box = page.locator("#fm-canvas").bounding_box()
    assert box is not None

    def at(fx: float, fy: float) -> tuple[float, float]:
        return box["x"] + fx * box["width"], box["y"] + fy * box["height"]

    def drag(start: tuple[float, float], end: tuple[float, float]) -> None:
        page.mouse.move(*start)
        page.mouse.down()
        page.mouse.move(*end, steps=6)
        page.mouse.up()

    # B-201: its bottom-right corner dragged out, then the whole rectangle moved.
    page.click(f".fm-unit[data-unit='{moved.pk}']")
    expect(page.locator("#fm-overlay circle.fm-handle")).to_have_count(4)
    drag(at(0.5, 0.5), at(0.6, 0.7))
    drag(at(0.3, 0.3), at(0.35, 0.25))
    # A redraw abandoned with Esc puts the shape back.
    page.click(".fm-toolbar [data-action=redraw]")
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(2)

    # B-202: cleared.
    page.click(f".fm-unit[data-unit='{cleared.pk}']")
    page.click(".fm-toolbar [data-action=clear]")
    expect(page.locator(f".fm-unit[data-unit='{cleared.pk}'] .fm-state.undrawn")).to_have_count(1)

    page.click("#fm-form button[type=submit]")
    page.wait_for_url(f"{base}{editor}")
    expect(page.locator(".messages .success")).to_be_visible()
    rect = Unit.objects.get(pk=moved.pk).shape
    corners = [coordinate for point in rect["points"] for coordinate in point]
    assert corners == pytest.approx([0.25, 0.15, 0.65, 0.65], abs=0.01)
    assert Unit.objects.get(pk=cleared.pk).shape is None

    # B-203: a bow tie, closed with Enter. The server refuses it, says why, saves
    # nothing, and the editor still shows what was drawn.
    page.click(f".fm-unit[data-unit='{crossed.pk}']")
    page.click(".fm-toolbar [data-mode=polygon]")
    for point in ((0.7, 0.6), (0.9, 0.9), (0.9, 0.6), (0.7, 0.9)):
        page.mouse.click(*at(*point))
    page.keyboard.press("Enter")
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(2)
    page.click("#fm-form button[type=submit]")
    page.wait_for_url(f"{base}{editor}")
    expect(page.locator(".fm-errors")).to_contain_text("B-203")
    expect(page.locator("#fm-shapes polygon.fm-shape")).to_have_count(2)
    expect(page.locator("#fm-dirty")).to_be_visible()
    assert Unit.objects.get(pk=crossed.pk).shape is None
    assert Unit.objects.get(pk=moved.pk).shape == rect

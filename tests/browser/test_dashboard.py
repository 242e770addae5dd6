"""Leadership reads the dashboard in a real browser, in Chinese.

Leadership opens the district dashboard, sees the tiles and the trend chart,
sorts the league table, drills down to a carrier, opens its 租控表 and reads
the tenant of a unit by tapping it (a <details>, no script). Screenshots at
desktop and phone width go to the test's tmp_path for a look by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.reports.dash_world import Zone, build_zone

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Leader-Reads-2026"


@pytest.fixture
def zone() -> Zone:
    zone = build_zone()
    zone.leader.set_password(PASSWORD)
    zone.leader.save()
    return zone


def league_names(page: Page) -> list[str]:
    return page.locator(".league-table tbody th a").all_inner_texts()


def test_it_takes_leadership_from_the_district_to_a_units_tenant(
    page: Page, zone: Zone, tmp_path: Path
) -> None:
    base = page.base_url
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/")

    # The tiles and the trend, in Chinese.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    expect(page.locator(".tile")).to_have_count(7)
    expect(page.locator(".tile-occupancy_area .tile-value")).to_have_text("63.3%")  # 950/1500
    expect(page.locator(".chart-box.wide svg.chart")).to_be_visible()
    page.screenshot(path=str(tmp_path / "dashboard-1280.png"), full_page=True)

    # A tile says how it is counted.
    basis = page.locator(".tile-occupancy_area details.tile-basis")
    basis.locator("summary").click()
    expect(basis.locator("li").first).to_be_visible()

    # The league table, best first; sorted the other way by its header.
    assert league_names(page) == [zone.y.name, zone.x.name]
    page.click(".league-table thead a[data-sort=occupancy_area]")
    page.wait_for_url("**/?sort=occupancy_area")
    assert league_names(page) == [zone.x.name, zone.y.name]
    expect(page.locator(".league-table th[aria-sort=ascending]")).to_have_count(1)

    # Drill down to the carrier.
    page.click(f".league-table tbody a:text-is('{zone.x.name}')")
    page.wait_for_url(f"{base}/carriers/{zone.x.code}/")
    expect(page.locator("h1")).to_have_text(zone.x.name)
    expect(page.locator(".tile-occupancy_area .tile-value")).to_have_text("55.0%")

    # Its 租控表: tap a unit, read its tenant and lease end.
    page.click("a.dash-button.primary")
    page.wait_for_url(f"{base}/carriers/{zone.x.code}/grid/")
    unit = page.locator("details.rent-cell[data-unit='A-102']")
    expect(unit).to_have_class("rent-cell status-available_soon size-m")
    unit.locator("summary").click()
    popover = unit.locator(".rent-pop")
    expect(popover).to_be_visible()
    expect(popover.locator(".rent-tenant")).to_have_text(zone.tenants["yichou"].name)
    page.screenshot(path=str(tmp_path / "grid-1280.png"), full_page=True)

    # And on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/")
    expect(page.locator(".chart-box.narrow svg.chart")).to_be_visible()
    expect(page.locator(".chart-box.wide")).to_be_hidden()
    page.screenshot(path=str(tmp_path / "dashboard-390.png"), full_page=True)

"""Pictures in a real browser: a manager uploads, recaptions and deletes unit photos and
uploads a floor plan, a bad file is refused on the page, and the company leasing the unit
sees its photos (loaded through the scoped file view) without any upload control."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Page, expect

from carriers.models import FloorPlan, UnitPhoto
from leasing.access import MANAGER_GROUP
from tests.browser.session import log_in
from tests.factories import make_carrier, make_tenant, make_unit
from tests.images import image_bytes
from tests.leasing.workflow import make_lease

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Pictures-Test-2026"


def _loaded(page: Page, selector: str) -> None:
    """Every image the selector matches has been served and decoded."""
    expect(page.locator(selector).first).to_be_visible()
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


def test_it_uploads_shows_and_deletes_pictures(
    page: Page, django_user_model: type, tmp_path: Path
) -> None:
    carrier = make_carrier(code="ycl", name="阳澄湖两岸科创中心研发总部二期")
    unit = make_unit(carrier, code="A-301")
    manager = django_user_model.objects.create_user("zhou.min", password=PASSWORD)
    manager.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])
    carrier.managers.add(manager)
    tenant = make_tenant(name="昆山智感科技有限公司")
    lease = make_lease(unit, timezone.localdate() - dt.timedelta(days=5), None, tenant=tenant)
    tenant_user = django_user_model.objects.create_user("lin.wei", password=PASSWORD)
    tenant.users.add(tenant_user)
    photo_file = tmp_path / "office.jpg"
    photo_file.write_bytes(image_bytes("JPEG", (900, 600)))
    bad_file = tmp_path / "notes.png"
    bad_file.write_bytes(b"not a picture at all")
    plan_file = tmp_path / "plan.png"
    plan_file.write_bytes(image_bytes("PNG", (1600, 900), (250, 250, 250)))

    # The manager adds a photo on the unit page.
    log_in(page, "zhou.min", PASSWORD, f"/work/units/{unit.pk}/")
    page.set_input_files("#photos input[type=file]", str(photo_file))
    page.fill("#photos input[name=caption]", "开放办公区")
    page.click("#photos button[type=submit].primary")
    _loaded(page, ".media-gallery img")
    expect(page.locator(".media-caption")).to_contain_text("开放办公区")
    assert UnitPhoto.objects.filter(unit=unit).count() == 1

    # A file that is no picture is refused on the form, and nothing is added.
    page.set_input_files("#photos input[type=file]", str(bad_file))
    page.click("#photos button[type=submit].primary")
    expect(page.locator("#photos .errorlist")).to_be_visible()
    assert UnitPhoto.objects.filter(unit=unit).count() == 1

    # The manager corrects the photo's caption and place in its own small form.
    photo = UnitPhoto.objects.get(unit=unit)
    edit = page.locator(f"#photo-{photo.pk} form.media-edit")
    edit.locator("input[name=caption]").fill("开放办公区（24 工位）")
    edit.locator("input[name=position]").fill("3")
    edit.locator("button[type=submit]").click()
    page.wait_for_url(f"**/work/units/{unit.pk}/#photos")
    expect(page.locator(".media-caption")).to_have_text("3 · 开放办公区（24 工位）")
    photo.refresh_from_db()
    assert (photo.caption, photo.position) == ("开放办公区（24 工位）", 3)

    # The floor plan, uploaded from its page, leads on to the floor map.
    page.goto(f"{page.base_url}/work/floors/{unit.floor_id}/plan/")  # type: ignore[attr-defined]
    page.set_input_files("input[type=file]", str(plan_file))
    page.click("form.ws-form button[type=submit]")
    page.wait_for_url(f"**/work/floors/{unit.floor_id}/map/")
    assert FloorPlan.objects.filter(floor=unit.floor).exists()

    # The company sees the photo on its lease, and no upload control.
    page.context.clear_cookies()
    log_in(page, "lin.wei", PASSWORD, f"/portal/leases/{lease.pk}/")
    _loaded(page, ".pictures .media-gallery img")
    assert page.locator("input[type=file]").count() == 0

    # The manager deletes the photo, confirming the question.
    page.context.clear_cookies()
    log_in(page, "zhou.min", PASSWORD, f"/work/units/{unit.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".media-gallery button.danger")
    expect(page.locator(".media-gallery")).to_have_count(0)
    assert not UnitPhoto.objects.filter(unit=unit).exists()

"""The whole 拎包入住 journey in a real browser, in Chinese.

A company registers and asks for a turnkey office; the carrier's space manager
offers the unit the matching ranks for it; the company accepts; the vacancy
board shows the unit occupied from the start date and not the day before.

Only the zone itself (a carrier, a building, a floor, one turnkey office and its
space manager) is made in the database; everything else happens through pages.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from carriers.models import Carrier
from leasing.access import MANAGER_GROUP
from leasing.models import Allocation, SpaceRequest, Tenant
from leasing.uscc import make_uscc
from tests.browser.session import log_in
from tests.factories import make_carrier, make_floor, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

TENANT_USER, TENANT_PASSWORD = "lin.wei", "Yangcheng-Lake-2026"
MANAGER_USER, MANAGER_PASSWORD = "zhou.min", "Carrier-Ops-2026"
COMPANY = "昆山智感科技有限公司"
USCC = make_uscc("91320583MA1X2Y3T4")
MOVE_IN_IN_DAYS = 5


def _watch_errors(page: Page) -> list[str]:
    """Collect console errors and uncaught page errors, as the `page` fixture does."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_it_walks_a_turnkey_request_from_sign_up_to_the_vacancy_board(
    page: Page, browser: Browser, django_user_model, tmp_path: Path
) -> None:
    base = page.base_url
    shots = tmp_path / "journey"
    shots.mkdir()

    # --- the zone as it stands: one carrier, one turnkey office, its manager --------
    carrier = make_carrier(
        name="阳澄湖两岸科创中心研发总部二期",
        code="ycsh2",
        kind=Carrier.Kind.RD_HEADQUARTERS,
        industry_focus="ai",
    )
    unit = make_unit(
        floor=make_floor(carrier, level=3),
        code="A-301",
        kind="office",
        gross_area=Decimal("180.00"),
        usable_area=Decimal("150.00"),
        seats=24,
        list_rent=Decimal("58.00"),
        turnkey=True,
        turnkey_package="办公桌椅24套、会议室1间、茶水间、千兆网络、中央空调",
    )
    manager = django_user_model.objects.create_user(
        MANAGER_USER, password=MANAGER_PASSWORD, is_staff=True
    )
    manager.groups.add(Group.objects.get_or_create(name=MANAGER_GROUP)[0])
    carrier.managers.add(manager)

    today = timezone.localdate()
    move_in = today + dt.timedelta(days=MOVE_IN_IN_DAYS)

    # --- 1. the company signs up ---------------------------------------------------
    page.goto(f"{base}/portal/register/")
    page.fill("input[name=username]", TENANT_USER)
    page.fill("input[name=email]", "lin.wei@zhigan.example.cn")
    page.fill("input[name=password1]", TENANT_PASSWORD)
    page.fill("input[name=password2]", TENANT_PASSWORD)
    page.fill("input[name=name]", COMPANY)
    page.fill("input[name=uscc]", USCC)
    page.select_option("select[name=industry]", "ai")
    page.fill("input[name=contact_name]", "林伟")
    page.fill("input[name=contact_phone]", "0512-57000000")
    page.fill("input[name=contact_email]", "office@zhigan.example.cn")
    page.fill("input[name=employees]", "18")
    page.fill("input[name=rd_staff]", "12")
    page.screenshot(path=shots / "01-register.png", full_page=True)
    page.click("form.portal-form button[type=submit]")

    page.wait_for_url(f"{base}/portal/")
    expect(page.locator("h1")).to_have_text(COMPANY)
    expect(page.locator(".messages .success")).to_contain_text(COMPANY)

    # --- 2. it asks for a turnkey office ---------------------------------------------
    page.click(".portal a.button.primary[href*='/portal/requests/new/']")
    page.wait_for_url(re.compile(r"/portal/requests/new/"))
    page.fill("input[name=area_min]", "150")
    page.fill("input[name=area_max]", "220")
    page.select_option("select[name=unit_kind]", "office")
    page.fill("input[name=seats]", "20")
    page.fill("input[name=move_in_on]", move_in.isoformat())
    page.fill("input[name=term_months]", "12")
    page.check("input[name=fit_out][value=turnkey]")
    # portal.js hides the tailored fit-out needs while turnkey is chosen.
    expect(page.locator("[data-tailored]")).to_be_hidden()
    page.check(f"input[name=preferred_carriers][value='{carrier.pk}']")
    page.fill("input[name=budget_per_m2]", "65")
    page.screenshot(path=shots / "02-request-form.png", full_page=True)
    page.click("form.portal-form button[type=submit]")

    page.wait_for_url(re.compile(r"/portal/requests/\d+/$"))
    request_id = int(re.search(r"/portal/requests/(\d+)/$", page.url).group(1))
    status = page.locator(".page-head .status")
    expect(status).to_have_class(re.compile(r"\bstatus-submitted\b"))
    expect(status).to_have_text("已提交")
    expect(page.locator(".portal")).to_contain_text(carrier.name)  # preferred carrier

    # --- 3. the company logs out ------------------------------------------------------
    page.click("header.top form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(f"{base}/accounts/login/")

    # --- 4. the manager offers the unit, in a browser of their own -----------------------
    manager_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    manager_context.set_default_timeout(15_000)
    work = manager_context.new_page()
    manager_errors = _watch_errors(work)
    try:
        log_in(work, MANAGER_USER, MANAGER_PASSWORD, "/work/queue/", base_url=base)

        work.click(f"table.ws-queue td.company a[href='/work/requests/{request_id}/']")
        work.wait_for_url(f"{base}/work/requests/{request_id}/")
        expect(work.locator(".req-status")).to_have_class(re.compile(r"\breq-submitted\b"))
        candidate = work.locator("table.ws-candidates tbody tr").filter(
            has=work.locator(f"a[href='/work/units/{unit.pk}/']")
        )
        expect(candidate).to_have_count(1)
        expect(candidate).to_contain_text("拎包入住")  # the turnkey tag
        work.screenshot(path=shots / "03-candidates.png", full_page=True)
        candidate.locator("a.button[href*='unit=']").click()

        work.wait_for_url(re.compile(r"\?carrier=ycsh2&unit=A-301#offer$"))
        offer_form = work.locator(f"#offer form[action='/work/requests/{request_id}/offer/#offer']")
        expect(offer_form.locator("select[name=carrier]")).to_have_value(carrier.code)
        expect(offer_form.locator("input[name=unit]")).to_have_value(unit.code)
        expect(offer_form.locator("input[name=start]")).to_have_value(move_in.isoformat())
        expect(offer_form.locator("input[name=contracted_rent]")).to_have_value("58.00")
        offer_form.locator("button[type=submit]").click()

        work.wait_for_url(re.compile(rf"/work/requests/{request_id}/(#offer)?$"))
        expect(work.locator(".messages .success")).to_contain_text(unit.code)
        expect(work.locator(".req-status")).to_have_class(re.compile(r"\breq-offered\b"))
        expect(work.locator(".ws-columns")).to_contain_text(f"{carrier.name} · {unit.code}")
        work.screenshot(path=shots / "04-offered.png", full_page=True)

        # --- 5. the company accepts the offer ---------------------------------------------
        log_in(page, TENANT_USER, TENANT_PASSWORD, f"/portal/requests/{request_id}/", base_url=base)
        expect(page.locator(".page-head .status")).to_have_class(re.compile(r"\bstatus-offered\b"))
        offer = page.locator("#offer")
        expect(offer).to_contain_text(unit.code)
        expect(offer).to_contain_text(carrier.name)
        expect(offer).to_contain_text("办公桌椅24套")  # the turnkey package
        page.screenshot(path=shots / "05-offer.png", full_page=True)
        questions: list[str] = []

        def answer(dialog: object) -> None:
            questions.append(dialog.message)  # type: ignore[attr-defined]
            dialog.accept()  # type: ignore[attr-defined]

        page.on("dialog", answer)
        offer.locator("form[action$='/accept/'] button[type=submit]").click()

        page.wait_for_url(re.compile(r"/portal/leases/\d+/$"))
        # portal.js asked, in Chinese, before signing.
        assert questions == ["确定接受该房源推荐，并按上述条件签订租约？"], questions
        lease_id = int(re.search(r"/portal/leases/(\d+)/$", page.url).group(1))
        lease_status = page.locator(".page-head .status")
        expect(lease_status).to_have_class(re.compile(r"\bstatus-active\b"))
        expect(lease_status).to_have_text("即将起租")  # active, from a start in the future
        expect(page.locator(".portal")).to_contain_text(unit.code)
        page.screenshot(path=shots / "06-lease.png", full_page=True)

        # --- 6. the vacancy board: occupied from the start date, vacant the day before -----
        work.goto(f"{base}/work/queue/")
        work.click(f"nav.ws-boards a[href='/work/carriers/{carrier.code}/vacancy/']")
        work.wait_for_url(f"{base}/work/carriers/{carrier.code}/vacancy/")
        tile = work.locator(f"a.ws-tile[href='/work/units/{unit.pk}/']")

        work.fill("input[name=on]", move_in.isoformat())
        work.click(".ws-toolbar form button[type=submit]")
        work.wait_for_url(re.compile(rf"\?on={move_in.isoformat()}$"))
        expect(tile).to_have_class(re.compile(r"\bstatus-occupied\b"))
        expect(tile).to_contain_text("已出租")
        work.screenshot(path=shots / "07-board-start.png", full_page=True)

        day_before = move_in - dt.timedelta(days=1)
        work.fill("input[name=on]", day_before.isoformat())
        work.click(".ws-toolbar form button[type=submit]")
        work.wait_for_url(re.compile(rf"\?on={day_before.isoformat()}$"))
        expect(tile).to_have_class(re.compile(r"\bstatus-vacant\b"))
        expect(tile).not_to_have_class(re.compile(r"\bstatus-occupied\b"))
        work.screenshot(path=shots / "08-board-day-before.png", full_page=True)
    finally:
        manager_context.close()
    assert manager_errors == [], f"browser errors (manager): {manager_errors}"

    # The pages told the truth about the ledger.
    tenant = Tenant.objects.get(uscc=USCC)
    assert tenant.users.filter(username=TENANT_USER).exists()
    assert SpaceRequest.objects.get(pk=request_id, tenant=tenant).status == "accepted"
    lease = Allocation.objects.get(pk=lease_id)
    assert (lease.unit_id, lease.tenant_id, lease.state) == (unit.pk, tenant.pk, "active")
    assert lease.start == move_in

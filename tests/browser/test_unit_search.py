"""The unit search in a real browser: over many carriers the page comes first and
its script fills the count in (carriers/search_results.py, static/unit_search.js)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from carriers.models import Unit
from leasing.access import LEADERSHIP_GROUP
from tests.browser.session import log_in
from tests.factories import make_carrier, make_unit

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Search-Test-2026"


def test_leadership_sees_the_units_first_and_the_count_filled_in(
    page: Page, django_user_model: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three carriers stand for the district's six hundred: more than the page waits for.
    monkeypatch.setattr("carriers.search.FEW_CARRIERS", 2)
    for c in range(3):
        carrier = make_carrier(code=f"c{c}", name=f"昆山载体{c}")
        for n in range(9):
            make_unit(carrier, code=f"L-{n}", kind=Unit.Kind.LAB)
    leader = django_user_model.objects.create_user("wang.lei", password=PASSWORD)
    leader.groups.add(Group.objects.get_or_create(name=LEADERSHIP_GROUP)[0])
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    log_in(page, "wang.lei", PASSWORD, "/units/?kind=lab&per_page=20")

    expect(page.locator("table.unit-results tbody tr")).to_have_count(20)
    basis = page.locator("p.basis")
    expect(basis).to_have_text("共 27 个单元符合条件。")
    expect(basis).to_have_attribute("data-count", "27")
    expect(page.locator("[data-pages]")).to_have_text("第 1 页，共 2 页")
    assert any("/units/count.json?" in url and "kind=lab" in url for url in requests)

    page.click("nav.search-pages a")  # next page: the count is known now, and shown at once
    expect(page.locator("table.unit-results tbody tr")).to_have_count(7)
    expect(page.locator("p.basis")).to_have_text("共 27 个单元符合条件。")
    expect(page.locator("p.basis")).not_to_have_attribute("data-count-url", re.compile(".*"))
    expect(page.locator("[data-pages]")).to_have_text("第 2 页，共 2 页")

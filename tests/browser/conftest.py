"""A real browser for pages people use: Playwright driving Debian's Chromium.

Tests here are marked `browser`. Without /usr/bin/chromium (or CHROMIUM_PATH)
they skip with the reason, except under REQUIRE_SERVICES=1 (CI), where a
missing browser fails them: `.ci/run` installs Chromium and a CJK font first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium per test module.

    Playwright's sync API keeps an event loop running in this thread while it
    lives, and Django refuses ORM calls (the test's own, and the database
    flush after it) under a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is
    set. Module scope ends the loop, and the override, before other tests run.
    """
    if not os.path.exists(CHROMIUM):
        reason = "needs Chromium: apt-get install chromium fonts-wqy-microhei (.ci/run does)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: object, live_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django would then
    # refuse ORM calls made by the test itself (fixtures, assertions).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.base_url = live_server.url  # type: ignore[attr-defined]
    yield page
    context.close()
    assert errors == [], f"browser errors: {errors}"

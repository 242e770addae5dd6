"""Signing in through the login page, as a person does, before a browser test's page."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page


def log_in(
    page: Page, username: str, password: str, next_path: str, *, base_url: str | None = None
) -> None:
    """Sign in on the login page and wait until it has sent the browser on to `next_path`."""
    base = base_url or page.base_url  # type: ignore[attr-defined]
    page.goto(f"{base}/accounts/login/?next={quote(next_path)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    # The login form's own button: the header has a language button too.
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: url == f"{base}{next_path}")

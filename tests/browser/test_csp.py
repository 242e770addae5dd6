"""Every page of every role, in a real browser, under the Content-Security-Policy.

The policy (config/settings.py, CONTENT_SECURITY_POLICY) allows no inline
script or style. This walks the pages each role of the access matrix may open
and fails on anything the browser complains about: a CSP violation (the
`securitypolicyviolation` event, recorded by an init script, and Chromium's
console error), any other console error or uncaught exception, and any
same-origin request answered 4xx/5xx or failing (a missing static file or
picture). Every page must carry the policy header.

"Every page" is derived, not listed: the rows of tests/test_access_matrix.py's
GET table that answer the role 200 are requested first with Django's client,
and those that answer HTML are opened in the browser (files and JSON are the
matrix's and tests/test_file_urls.py's business). A page added with its matrix
row is covered here with no change. On top come the pages whose query string
changes what is drawn (a date, filters, a floor with its plan and a unit drawn
on it, a form with its errors), the import preview reached by uploading, the
login and lockout pages, error pages, and the admin.

One Chromium for the module; one browser context per role, logged in once by
handing it a session cookie.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from csp.utils import build_policy
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

from carriers.models import Unit
from reports.models import ReportJob
from tests.test_access_matrix import (  # the matrix's world and its URL arguments
    GET,
    IMPORT_UNIT_CSV,
    OK,
    ROLES,
    World,
    client_for,
    url_for,
    world,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

# Records every violation the page reports, before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
window.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` (${event.sourceFile || "page"}:${event.lineNumber})`
  );
}, true);
"""
# Violation events are queued as tasks: one more task lets the last of them run.
READ_VIOLATIONS = "() => new Promise(done => setTimeout(() => done(window.__cspViolations), 0))"


@dataclass
class Watch:
    """What went wrong in one role's browser, page by page."""

    base: str
    page: str = ""  # the page being visited, for the messages
    expected_status: int = 200  # of that page's document
    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def same_origin(self, url: str) -> bool:
        return url.startswith(self.base + "/")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        # Chromium logs the document's own error status (an expected 404 page).
        own_status = f"status of {self.expected_status}"
        if self.expected_status != 200 and own_status in message.text:
            return
        where = message.location.get("url", "")
        self.problems.append(f"{self.page}: console: {message.text} ({where})")

    def on_response(self, response: Response) -> None:
        if not self.same_origin(response.url) or response.status < 400:
            return
        request = response.request
        if request.resource_type == "document" and response.status == self.expected_status:
            return
        self.problems.append(f"{self.page}: {response.status} for {response.url}")

    def on_request_failed(self, request: Request) -> None:
        # ERR_ABORTED: a request cut short by moving on to the next page.
        failure = request.failure or ""
        if self.same_origin(request.url) and "ERR_ABORTED" not in failure:
            self.problems.append(f"{self.page}: {request.url} failed: {failure}")


@pytest.fixture
def policy() -> str:
    return build_policy()


@pytest.fixture
def open_as(browser: Browser, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """open_as(user) → (page, watch): a browser signed in as the user (None: anonymous)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    contexts = []

    def open_as(user: Any) -> tuple[Page, Watch]:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.set_default_timeout(15_000)
        if user is not None and user.is_authenticated:
            client = Client()
            client.force_login(user)  # no password needed: logged in once, by cookie
            cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value}
            context.add_cookies([{**cookie, "url": live_server.url}])
        context.add_init_script(RECORD_VIOLATIONS)
        page = context.new_page()
        watch = Watch(base=live_server.url)
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.problems.append(f"{watch.page}: {exc}"))
        page.on("response", watch.on_response)
        page.on("requestfailed", watch.on_request_failed)
        return page, watch

    yield open_as
    for context in contexts:
        context.close()


def visit(page: Page, watch: Watch, path: str, policy: str, status: int = 200) -> None:
    watch.page, watch.expected_status = path, status
    response = page.goto(watch.base + path, wait_until="load")
    assert response is not None, path
    assert response.status == status, f"{path}: {response.status}, expected {status}"
    assert response.headers.get("content-security-policy") == policy, f"{path}: policy header"
    check_violations(page, watch)
    watch.visited.append(path)


def check_violations(page: Page, watch: Watch) -> None:
    for violation in page.evaluate(READ_VIOLATIONS) or []:
        watch.problems.append(f"{watch.page}: CSP: {violation}")


# --- which pages --------------------------------------------------------------------------


def html_pages(w: World, role: str) -> list[str]:
    """The matrix's GET rows that answer this role 200 with an HTML page."""
    client = client_for(w, role)
    pages = []
    for name, row in GET.items():
        if row[ROLES.index(role)] != OK:
            continue
        url = url_for(name, w)
        response = client.get(url)
        assert response.status_code == 200, f"{url} as {role}"
        if response["Content-Type"].startswith("text/html"):
            pages.append(url)
    return pages


def with_query(name: str, w: World, **query: Any) -> str:
    return f"{url_for(name, w).split('?')[0]}?{urlencode(query)}"


def staff_pages(w: World) -> list[str]:
    """Staff pages in the states their query strings draw."""
    day = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    return [
        with_query("overview", w, on=day),
        with_query("dashboard:carrier", w, on=day),
        with_query("dashboard:building", w, on=day),
        with_query("dashboard:floor", w, on=day),
        with_query("dashboard:grid", w, on=day),
        with_query("dashboard:grid_building", w, on=day),
        with_query("reports:district", w, on=day),
        with_query("workspace:queue", w, carrier=w.x.code),
        with_query("workspace:vacancy", w, on=day),
        with_query(
            "units:search",
            w,
            carrier=w.x.code,
            kind=Unit.Kind.OFFICE,
            status="vacant",
            area_min="10",
            area_max="500",
            on=day,
            sort="-gross_area",
        ),
        with_query("units:search", w, available_from=day, term_months="12", turnkey_ready="on"),
    ]


# Pages showing what was wrong with their query string, and their status.
BAD_INPUT = (
    ("units:search", {"area_min": "-1", "term_months": "0"}, 200),
    ("reports:district", {"on": "not-a-date"}, 400),
)


def admin_pages(w: World) -> list[str]:
    """The admin's index, and each model's list, add form and first object (if allowed)."""
    candidates = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        candidates.append(reverse("admin:{}_{}_changelist".format(*info)))
        candidates.append(reverse("admin:{}_{}_add".format(*info)))
        first = model.objects.order_by("pk").first()
        if first is not None:
            candidates.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
    client = client_for(w, "admin")
    return [path for path in candidates if client.get(path).status_code == 200]


def with_a_drawn_unit(w: World) -> None:
    """unit_a drawn on its floor's plan: the floor page's SVG map then shows it."""
    Unit.objects.filter(pk=w.unit_a.pk).update(
        shape={"kind": "rect", "points": [[0.1, 0.1], [0.5, 0.4]]}
    )


# --- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_it_shows_every_page_of_each_role_without_a_policy_violation(
    world: World,  # noqa: F811
    open_as: Any,
    policy: str,
    role: str,
) -> None:
    with_a_drawn_unit(world)
    pages = html_pages(world, role)
    if role in ("manager_x", "leader", "admin"):
        pages += staff_pages(world)
    page, watch = open_as(world.users[role])

    for path in pages:
        visit(page, watch, path, policy)
    if role == "manager_x":
        for name, query, status in BAD_INPUT:
            visit(page, watch, with_query(name, world, **query), policy, status=status)
        upload_an_import(page, watch, world, policy)
        follow_report_jobs(page, watch, world, policy)
    if role == "tenant_b":  # A's request: the 404 page
        visit(page, watch, url_for("portal:request", world), policy, status=404)
    if role == "leader":  # the shape editor: the 403 page
        visit(page, watch, url_for("workspace:floor_map", world), policy, status=403)
    if role == "admin":
        for path in admin_pages(world):
            visit(page, watch, path, policy)

    assert watch.problems == [], "\n".join(watch.problems)
    # The control: the roles the matrix's URLs point at see pages (others see A's as 404s).
    if role in ("tenant_a", "manager_x", "leader", "admin"):
        assert len(watch.visited) >= 5, watch.visited


def follow_report_jobs(page: Page, watch: Watch, w: World, policy: str) -> None:
    """The job page while its report is being built, and after it failed: its
    script polls the status (a fetch, under connect-src) and redraws the card."""
    assert w.job_x is not None
    for status, progress in ((ReportJob.Status.RUNNING, 3), (ReportJob.Status.FAILED, 0)):
        job = ReportJob.objects.get(pk=w.job_x.pk)
        job.pk, job.status, job.progress_done, job.progress_total = None, status, progress, 7
        job.dedupe_key = f"csp-{status}"
        job.save()
        path = reverse("reports:job", args=[job.pk])
        with page.expect_response(lambda r, job=job: r.url.endswith(f"/{job.pk}/status/")):
            visit(page, watch, path, policy)
        check_violations(page, watch)


# A unit of a carrier that exists nowhere: refused row by row.
REFUSED_UNIT_CSV = (
    "载体编码,楼栋编码,楼层,单元编码,建筑面积,套内面积,投用日期\nno-such,A,1,Z-1,100,80,2024-01-01\n"
).encode()


def upload_an_import(page: Page, watch: Watch, w: World, policy: str) -> None:
    """The import page as a manager reaches its states: by uploading files."""
    for name, data, shown in (
        ("units.csv", IMPORT_UNIT_CSV, "form.import-confirm, section.import-confirm"),
        ("units.csv", REFUSED_UNIT_CSV, "section.import-report"),
    ):
        visit(page, watch, url_for("workspace:import", w), policy)
        page.set_input_files(
            "form.import-upload input[name=files]",
            files=[{"name": name, "mimeType": "text/csv", "buffer": data}],
        )
        watch.page = f"the import page after uploading {data[:20]!r}"
        with page.expect_navigation() as navigation:
            page.click("form.import-upload button[type=submit]")
        response = navigation.value
        assert response is not None
        assert response.headers.get("content-security-policy") == policy, watch.page
        page.wait_for_selector(shown)
        check_violations(page, watch)
        watch.visited.append(page.url)


def test_it_shows_the_login_and_lockout_pages_without_a_policy_violation(
    django_user_model: Any, settings: Any, open_as: Any, policy: str
) -> None:
    django_user_model.objects.create_user("leader", password="pw-leader-2026")
    page, watch = open_as(None)

    visit(page, watch, reverse("login"), policy)
    visit(page, watch, reverse("admin:login"), policy)
    visit(page, watch, reverse("portal:register"), policy)
    visit(page, watch, f"{reverse('login')}?{urlencode({'next': '/work/queue/'})}", policy)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", f"wrong-{attempt}")
        locked = attempt == settings.AXES_FAILURE_LIMIT - 1
        watch.page, watch.expected_status = f"login attempt {attempt + 1}", 429 if locked else 200
        with page.expect_navigation() as navigation:
            page.click("form.card button[type=submit]")
        response = navigation.value
        assert response is not None
        assert response.status == watch.expected_status, watch.page
        assert response.headers.get("content-security-policy") == policy, watch.page
        check_violations(page, watch)
    assert page.locator(".locked-out").count() == 1, "the lockout page"

    assert watch.problems == [], "\n".join(watch.problems)


def test_it_would_see_a_violation(open_as: Any, policy: str) -> None:
    """The control: a page under the same policy with an inline script, an inline
    style and a missing picture is reported, each of them."""
    page, watch = open_as(None)
    body = (
        '<!doctype html><html><head><script>document.title = "ran"</script></head>'
        '<body><p style="color: red">x</p><img src="/static/no-such.png" alt=""></body></html>'
    )
    page.route(
        f"{watch.base}/csp-control/",
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": policy},
            body=body,
        ),
    )

    visit(page, watch, "/csp-control/", policy)

    assert page.title() != "ran"
    csp = [problem for problem in watch.problems if ": CSP: " in problem]
    assert any("script-src" in problem for problem in csp), watch.problems
    assert any("style-src" in problem for problem in csp), watch.problems
    assert any("404 for" in problem for problem in watch.problems), watch.problems
    assert any("Content Security Policy" in problem for problem in watch.problems)

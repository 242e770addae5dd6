"""The virtual people of the load run: bench/load.py starts locust with this file.

Three kinds, in the proportions of a working day (weights 3 : 2 : 5):

- leadership reads the district dashboard, drills down carrier → building →
  floor by following the page's own links, opens the 租控表 grid, and searches units;
- space managers work their queue: find a load company's submitted request,
  open it (which ranks candidate units), offer one of the top candidates, and
  also search units, open their grid and their vacancy board;
- tenants look at their portal, submit space requests naming the managers'
  carriers, and accept the offers that reach them (then open the lease).

Each person logs in once, at the start, with an account of their own that
bench/load.py created (so login throttling sees one success per account, never
a loop). Everything the run needs (accounts, password, carrier codes, filters,
where to write results) comes from the JSON file named by ZAITI_LOAD_PLAN.

The client plays the browser and the production TLS proxy in front of
gunicorn: it sends X-Forwarded-Proto: https (settings.SECURE_PROXY_SSL_HEADER)
and an Origin header for Django's CSRF check, returns the Secure cookies over
loopback HTTP, and opens one connection per request, as the proxy does.
Writes do not follow their redirect, so that each write's own time and outcome
is measured; the page it leads to is then fetched as a page.

Every request's time and status is recorded here, per page name, and written to
the plan's "out" file when locust quits; bench/load.py makes the table.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import random
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

from locust import HttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["ZAITI_LOAD_PLAN"]).read_text())
TODAY = dt.date.fromisoformat(PLAN["today"])
TIMEOUT = 60  # seconds; gunicorn gives up on a request after 30

# One account per virtual person, handed out in order within this process.
ACCOUNTS = {role: iter(names) for role, names in PLAN["accounts"].items()}

SAMPLES: dict[str, list[float]] = defaultdict(list)
CODES: dict[str, Counter[int]] = defaultdict(Counter)
UNEXPECTED: dict[str, Counter[str]] = defaultdict(Counter)
FLOWS: Counter[str] = Counter()


@events.request.add_listener
def _record(
    request_type: str,
    name: str,
    response_time: float,
    response: Any,
    exception: BaseException | None,
    **kwargs: Any,
) -> None:
    key = f"{request_type} {name}"
    code = int(getattr(response, "status_code", 0) or 0)
    SAMPLES[key].append(response_time)
    CODES[key][code] += 1
    if exception is not None and 200 <= code < 400:
        # A 2xx/3xx that was not the answer expected (e.g. sent back to the login page).
        UNEXPECTED[key][str(exception)[:200]] += 1


@events.quitting.add_listener
def _write_results(environment: Environment, **kwargs: Any) -> None:
    runner = environment.runner
    task_errors = [
        {"count": e["occurrences"], "error": e["msg"], "traceback": e["traceback"][-2000:]}
        for e in (runner.exceptions.values() if runner else [])
    ]
    Path(PLAN["out"]).write_text(
        json.dumps(
            {
                "samples": SAMPLES,
                "codes": {
                    name: {str(c): n for c, n in codes.items()} for name, codes in CODES.items()
                },
                "unexpected": UNEXPECTED,
                "flows": FLOWS,
                "task_errors": task_errors,
            },
            ensure_ascii=False,
        )
    )


def links(pattern: str, page: str) -> list[str]:
    """Distinct matches of one group in a page, in page order (HTML entities undone)."""
    return list(dict.fromkeys(html.unescape(m) for m in re.findall(pattern, page)))


class Person(HttpUser):
    abstract = True
    wait_time = between(*PLAN["think_seconds"])
    role = ""
    home = "/"

    def on_start(self) -> None:
        self.requests_made = 0
        origin = "https://" + urlsplit(self.host).netloc
        # Connection: close, as the proxy's hop to gunicorn is by default (one
        # connection per request). Reusing connections instead races gunicorn's
        # 2 s keep-alive: a request sent as gunicorn closes the idle connection
        # is reset (5 of 817 requests in one run), which browsers would retry.
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": origin, "Connection": "close"}
        )
        self.username = next(ACCOUNTS[self.role])
        self.login()

    def login(self) -> None:
        self.page("/accounts/login/", "/accounts/login/")
        data = {"username": self.username, "password": PLAN["password"], "next": self.home}
        with self.post("/accounts/login/", "/accounts/login/", data) as response:
            if response.status_code == 302:
                FLOWS["logins"] += 1
                response.success()
            else:
                FLOWS["logins refused"] += 1
                response.failure(f"login answered {response.status_code}")
                raise StopUser  # a person who cannot log in goes home
        self.page(self.home, self.home)

    def _before(self) -> None:
        self.requests_made += 1
        if self.requests_made > PLAN["max_requests_per_person"]:
            raise StopUser  # the bound in count, besides locust's bound in time
        # The session and CSRF cookies are Secure: the browser returns them over
        # its HTTPS to the proxy, so this client returns them over loopback HTTP.
        for cookie in self.client.cookies:
            cookie.secure = False

    # --- requests -------------------------------------------------------------------

    def page(self, url: str, name: str) -> str:
        """GET a page a person would see; anything but its 200 is an error."""
        self._before()
        with self.client.get(url, name=name, catch_response=True, timeout=TIMEOUT) as response:
            if (
                response.status_code == 200
                and urlsplit(response.url).path.startswith("/accounts/login/")
                and not url.startswith("/accounts/login/")
            ):
                response.failure("sent to the login page: the session was lost")
            elif response.status_code == 200:
                response.success()
            return response.text or ""

    def post(self, url: str, name: str, data: dict[str, Any]) -> Any:
        """A form POST with the CSRF token, its redirect not followed (see the docstring)."""
        self._before()
        return self.client.post(
            url,
            name=name,
            data={**data, "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")},
            allow_redirects=False,
            catch_response=True,
            timeout=TIMEOUT,
        )

    def unit_search(self) -> None:
        query = random.choice(PLAN["unit_searches"])
        name = "/units/" + ("?" + "&".join(sorted(query)) if query else "")
        body = self.page("/units/?" + urlencode(query), name)
        # As the page's script does when the page came without its count (static/unit_search.js).
        asked = re.search(r'data-count-url="([^"]+)"', body)
        if asked:
            self.page(html.unescape(asked[1]), name.replace("/units/", "/units/count.json", 1))


class Leadership(Person):
    weight = 3
    role = "leadership"
    home = "/"

    @task(3)
    def dashboard(self) -> None:
        self.page("/", "/")

    @task(3)
    def drill_down(self) -> None:
        code = random.choice(PLAN["carriers"])
        carrier = self.page(f"/carriers/{code}/", "/carriers/[code]/")
        buildings = links(rf'href="/carriers/{re.escape(code)}/buildings/(\d+)/"', carrier)
        if not buildings:
            return
        building_id = random.choice(buildings)
        building = self.page(
            f"/carriers/{code}/buildings/{building_id}/", "/carriers/[code]/buildings/[id]/"
        )
        floors = links(rf'href="/carriers/{re.escape(code)}/floors/(\d+)/"', building)
        if floors:
            floor_id = random.choice(floors)
            self.page(f"/carriers/{code}/floors/{floor_id}/", "/carriers/[code]/floors/[id]/")

    @task(2)
    def grid(self) -> None:
        code = random.choice(PLAN["carriers"])
        self.page(f"/carriers/{code}/grid/", "/carriers/[code]/grid/")

    @task(1)
    def search(self) -> None:
        self.unit_search()


class Manager(Person):
    weight = 2
    role = "manager"
    home = "/work/queue/"

    @task(4)
    def offer(self) -> None:
        query = urlencode({"status": "submitted", "q": PLAN["company_prefix"]})
        queue = self.page(f"/work/queue/?{query}", "/work/queue/?status&q")
        ids = links(r'href="/work/requests/(\d+)/"', queue)
        if not ids:
            return
        request_id = random.choice(ids[:10])
        detail = self.page(f"/work/requests/{request_id}/", "/work/requests/[id]/")
        # The candidates' Offer links, best first: ?carrier=<code>&unit=<code>#offer.
        candidates = re.findall(r'href="\?carrier=([^&"]+)&amp;unit=([^"#]+)#offer"', detail)
        start = re.search(r'name="start" value="([^"]+)"', detail)
        if not candidates or start is None:
            return  # offered meanwhile, or nothing fits: a person moves on
        carrier, unit = (unquote(html.unescape(part)) for part in random.choice(candidates[:5]))
        expires = dt.datetime.now() + dt.timedelta(days=3)
        data = {
            "carrier": carrier,
            "unit": unit,
            "start": start.group(1),
            "end": "",
            "hold_expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
            "contracted_rent": "",
            "rent_free_months": "0",
            "deposit": "0",
            "note": "load run",
        }
        url = f"/work/requests/{request_id}/offer/"
        with self.post(url, "/work/requests/[id]/offer/", data) as response:
            if response.status_code == 302:
                FLOWS["offers made"] += 1
                response.success()
            elif response.status_code == 200 and 'class="errorlist' in response.text:
                # Another manager offered this unit or this request first: the
                # form says so, as it should.
                FLOWS["offers refused (taken meanwhile)"] += 1
                response.success()
            elif response.status_code < 500:
                response.failure(f"offer answered {response.status_code} without a reason")
        if response.status_code == 302:
            self.page(response.headers["Location"], "/work/requests/[id]/")

    @task(1)
    def queue(self) -> None:
        self.page("/work/queue/", "/work/queue/")

    @task(2)
    def search(self) -> None:
        self.unit_search()

    @task(1)
    def grid(self) -> None:
        code = random.choice(PLAN["managed"])
        self.page(f"/carriers/{code}/grid/", "/carriers/[code]/grid/")

    @task(1)
    def vacancy(self) -> None:
        code = random.choice(PLAN["managed"])
        self.page(f"/work/carriers/{code}/vacancy/", "/work/carriers/[code]/vacancy/")


class Tenant(Person):
    weight = 5
    role = "tenant"
    home = "/portal/"

    def on_start(self) -> None:
        super().on_start()
        self.submit()  # what a company comes for

    @task(3)
    def portal(self) -> None:
        home = self.page("/portal/", "/portal/")
        waiting = links(r'href="/portal/requests/(\d+)/#offer"', home)
        if waiting:
            self.answer(random.choice(waiting))

    def answer(self, request_id: str) -> None:
        detail = self.page(f"/portal/requests/{request_id}/", "/portal/requests/[id]/")
        offer = re.search(r'action="/portal/offers/(\d+)/accept/"', detail)
        if offer is None:
            return  # withdrawn or lapsed since the portal was read
        url = f"/portal/offers/{offer.group(1)}/accept/"
        with self.post(url, "/portal/offers/[id]/accept/", {}) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and location.startswith("/portal/leases/"):
                FLOWS["offers accepted"] += 1
                response.success()
            elif response.status_code == 302:
                FLOWS["acceptances refused (offer gone)"] += 1
                response.success()
        if location.startswith("/portal/leases/"):
            self.page(location, "/portal/leases/[id]/")

    @task(1)
    def submit(self) -> None:
        form = self.page("/portal/requests/new/", "/portal/requests/new/")
        token = re.search(r'name="token" value="([^"]+)"', form)
        if token is None:
            return
        kind, low, high = random.choice(PLAN["request_shapes"])
        data = {
            "token": token.group(1),
            "area_min": str(low),
            "area_max": str(high),
            "unit_kind": kind,
            "seats": "0",
            "move_in_on": (TODAY + dt.timedelta(days=random.randint(7, 180))).isoformat(),
            "term_months": str(random.choice((12, 24, 36))),
            "fit_out": "turnkey",
            "preferred_carriers": PLAN["managed_ids"],
            "notes": "",
        }
        with self.post("/portal/requests/new/", "/portal/requests/new/", data) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and location.startswith("/portal/requests/"):
                FLOWS["requests submitted"] += 1
                response.success()
            elif response.status_code < 500:
                response.failure(f"request answered {response.status_code}, not a redirect")
        if location.startswith("/portal/requests/"):
            self.page(location, "/portal/requests/[id]/")

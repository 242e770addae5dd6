"""Two managers offer the same unit at the same moment, over real HTTP.

The issue's rule: exactly one wins, the other is told clearly who holds the
unit, and no path creates overlapping live allocations. Here two managers of
one carrier each sign in to a real threaded server (pytest-django's
`live_server`) with their own HTTP client and cookie jar, open the offer form
of a different company's request, and then submit an offer of the same unit
for overlapping dates together (a barrier releases both POSTs at once).

The window between "no conflict found" and the insert is widened on purpose
(the server runs in this process, so the patch reaches it), as in
test_concurrency.py: without the guards the race is then certain rather than
lucky, and the negative control proves the test can see it.
"""

from __future__ import annotations

import datetime as dt
import http.client
import importlib
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

import leasing.services
from carriers.models import Carrier, Unit
from leasing.models import Allocation, SpaceRequest
from leasing.terms import add_months
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import make_request

WINDOW = 0.3  # seconds between a clean overlap check and the insert
HTTP_TIMEOUT = 30.0  # every HTTP call
BARRIER_TIMEOUT = 10.0
JOIN_TIMEOUT = 60.0  # the whole race
PASSWORD = "race-condition-passphrase-2026"

NO_OVERLAP = importlib.import_module("leasing.migrations.0002_allocation_no_overlap")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- a real HTTP client -------------------------------------------------------------------


class KeepEveryAnswer(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it came (302, 404, 500 ...): no redirects
    followed, no exceptions for error statuses."""

    def http_response(
        self, request: urllib.request.Request, response: http.client.HTTPResponse
    ) -> http.client.HTTPResponse:
        return response

    https_response = http_response


@dataclass
class Answer:
    status: int
    location: str
    body: str
    started: float = 0.0
    finished: float = 0.0


class Browser:
    """One person's browser: a cookie jar (session and CSRF cookies) over urllib."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), KeepEveryAnswer()
        )
        # English pages, so that the conflict message is read in its source words.
        self.opener.addheaders = [("User-Agent", "zaiti-race-test"), ("Accept-Language", "en")]

    def _send(self, path: str, data: dict[str, str] | None = None) -> Answer:
        body = urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        started = time.monotonic()
        with self.opener.open(request, timeout=HTTP_TIMEOUT) as response:
            text = response.read().decode()
            return Answer(
                status=response.status,
                location=response.headers.get("Location", ""),
                body=text,
                started=started,
                finished=time.monotonic(),
            )

    def get(self, path: str) -> Answer:
        return self._send(path)

    def post(self, path: str, data: dict[str, str]) -> Answer:
        return self._send(path, data)

    def csrf_token(self, page: Answer) -> str:
        found = CSRF_FIELD.search(page.body)
        assert found, "the page has no form with a CSRF token"
        return found.group(1)

    def log_in(self, username: str) -> None:
        login = reverse("login")
        page = self.get(login)
        assert page.status == 200
        answer = self.post(
            login,
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf_token(page),
            },
        )
        assert answer.status == 302, f"{username} could not log in"
        assert any(cookie.name == "sessionid" for cookie in self.jar)


# --- the scene ----------------------------------------------------------------------------


@dataclass
class Contender:
    """A manager with a browser signed in, and the offer they are about to send."""

    user: User
    request: SpaceRequest
    browser: Browser
    offer_url: str = ""
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class Scene:
    carrier: Carrier
    unit: Unit
    contenders: list[Contender]


@pytest.fixture
def scene(live_server: LiveServer, settings: Settings) -> Scene:
    # A fast hasher: the race is not about passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    carrier = make_carrier(code="ycl2", name="阳澄湖两岸科创中心研发总部二期")
    unit = make_unit(carrier, code="A-808", gross_area=Decimal("200.00"))
    today = timezone.localdate()
    contenders = []
    # Two managers of the same carrier, each answering a different company's
    # request; the two terms overlap by more than ten months.
    for n, move_in in ((1, today + dt.timedelta(days=30)), (2, today + dt.timedelta(days=45))):
        user = User.objects.create_user(f"manager{n}", password=PASSWORD)
        carrier.managers.add(user)
        company = make_tenant(name=f"昆山竞速{'甲乙'[n - 1]}科技有限公司")
        request = make_request(company, preferred_carriers=[carrier], move_in_on=move_in)
        contenders.append(Contender(user, request, Browser(live_server.url)))
    return Scene(carrier, unit, contenders)


def open_offer_forms(scene: Scene) -> None:
    """Each manager signs in and opens the offer form of their request."""
    expires = timezone.localtime(timezone.now() + dt.timedelta(days=3))
    for contender in scene.contenders:
        contender.browser.log_in(contender.user.username)
        page = contender.browser.get(reverse("workspace:request", args=[contender.request.pk]))
        assert page.status == 200
        contender.offer_url = reverse("workspace:request_offer", args=[contender.request.pk])
        assert f'action="{contender.offer_url}#offer"' in page.body, "no offer form"
        start = contender.request.move_in_on
        contender.data = {
            "csrfmiddlewaretoken": contender.browser.csrf_token(page),
            "carrier": scene.carrier.code,
            "unit": scene.unit.code,
            "start": start.isoformat(),
            "end": add_months(start, contender.request.term_months).isoformat(),
            "hold_expires_at": expires.strftime("%Y-%m-%dT%H:%M"),
            "contracted_rent": "",
            "rent_free_months": "0",
            "deposit": "0",
            "note": "",
        }


def race(scene: Scene) -> list[Answer]:
    """Both offers are POSTed at the same moment; returns the answers in
    the contenders' order."""
    barrier = threading.Barrier(len(scene.contenders))
    answers: list[Answer | None] = [None] * len(scene.contenders)
    errors: list[BaseException] = []

    def submit(i: int, contender: Contender) -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            answers[i] = contender.browser.post(contender.offer_url, contender.data)
        except BaseException as exc:  # reported below, with the thread's name
            errors.append(exc)

    threads = [
        threading.Thread(target=submit, args=(i, c), name=c.user.username, daemon=True)
        for i, c in enumerate(scene.contenders)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "an HTTP request is stuck"
    assert errors == []
    done = [answer for answer in answers if answer is not None]
    assert len(done) == len(scene.contenders)
    # The two requests were really in flight together.
    assert max(a.started for a in done) < min(a.finished for a in done)
    return done


def slowed(find_conflict: Callable[..., Allocation | None]) -> Callable[..., Allocation | None]:
    """Pause after an overlap check that found nothing: the window a competitor
    could slip through (a check that found the winner has nothing to race)."""

    def slow_find_conflict(*args: object, **kwargs: object) -> Allocation | None:
        found = find_conflict(*args, **kwargs)
        if found is None:
            time.sleep(WINDOW)
        return found

    return slow_find_conflict


@pytest.fixture
def wide_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leasing.services, "find_conflict", slowed(leasing.services.find_conflict))


def constraint_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_constraint WHERE conname = %s "
            "AND conrelid = 'leasing_allocation'::regclass",
            [leasing.services.NO_OVERLAP_CONSTRAINT],
        )
        return cursor.fetchone() is not None


def lock_nothing(unit_id: int) -> Unit:
    return Unit.objects.get(pk=unit_id)


def redirected_to_request(answer: Answer, contender: Contender) -> bool:
    path = reverse("workspace:request", args=[contender.request.pk])
    return answer.status == 302 and urlsplit(answer.location).path == path


# --- the tests ----------------------------------------------------------------------------


@pytest.mark.usefixtures("wide_window")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_managers_offering_one_unit_at_once_win(scene: Scene) -> None:
    assert constraint_exists()
    open_offer_forms(scene)

    answers = race(scene)

    assert sorted(a.status for a in answers) == [200, 302], "no 500s, one winner, one refusal"
    holds = list(Allocation.objects.filter(unit=scene.unit).occupying())
    assert len(holds) == 1
    hold = holds[0]
    assert hold.state == Allocation.State.HELD
    winner, loser = (
        (scene.contenders[0], scene.contenders[1])
        if hold.request_id == scene.contenders[0].request.pk
        else (scene.contenders[1], scene.contenders[0])
    )
    won, lost = answers[scene.contenders.index(winner)], answers[scene.contenders.index(loser)]
    assert redirected_to_request(won, winner)
    # The loser's form comes back with the reason, naming the lease that holds
    # the unit and its company, and with what the manager typed.
    assert lost.status == 200
    assert (
        f"Unit {scene.unit.code} is already allocated for these dates: "
        f"lease #{hold.pk} to {winner.request.tenant.name}"
    ) in lost.body
    assert "Nothing was saved." in lost.body
    assert f'value="{scene.unit.code}"' in lost.body
    loser.request.refresh_from_db()
    winner.request.refresh_from_db()
    assert loser.request.status == SpaceRequest.Status.SUBMITTED
    assert winner.request.status == SpaceRequest.Status.OFFERED
    assert not Allocation.objects.filter(request=loser.request).exists()


@pytest.mark.usefixtures("wide_window")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_can_see_the_http_race_when_the_guards_are_off(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The negative control: without the unit lock and the exclusion constraint
    the same two requests both win, so the test above would notice if the
    guards failed."""
    open_offer_forms(scene)
    monkeypatch.setattr(leasing.services, "_lock_unit", lock_nothing)
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE leasing_allocation DROP CONSTRAINT "
            f"{leasing.services.NO_OVERLAP_CONSTRAINT}"
        )
    try:
        answers = race(scene)

        assert all(
            redirected_to_request(answer, contender)
            for answer, contender in zip(answers, scene.contenders, strict=True)
        ), "both offers should have gone through"
        first, second = Allocation.objects.filter(unit=scene.unit).occupying().order_by("start")
        assert first.start < second.start < first.end, "two live holds overlap"
    finally:
        # Put the constraint back exactly as the migration made it, after
        # removing the double allocation it would refuse.
        Allocation.objects.filter(unit=scene.unit).delete()
        with connection.cursor() as cursor:
            cursor.execute(NO_OVERLAP.CREATE)
    assert constraint_exists()

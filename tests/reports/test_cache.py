"""Cached dashboard figures: never stale after a change, faster when warm, right when Redis is down.

The figures are cached under a generation that every change to what they read
bumps (reports/cache.py). These tests change the ledger and the inventory
through the services people use and read the figures straight after; each
first proves that the figures were being served from the cache, so a pass is
not a cache that was never used.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leasing.access import scope_for
from leasing.leases import lease_terminate
from leasing.models import Allocation
from reports import cache as figure_cache
from reports import selectors
from reports.cache import GENERATION_KEY, FigureCache
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import days, make_leadership, make_lease, today
from tests.redis_server import RedisServer, cache_settings
from tests.reports.dash_world import Zone, build_zone

API = "/api/v1/occupancy/"
SCOPE = {"scope": "carrier:ycl2"}
# A Redis nobody listens on: port 1 on this machine refuses at once.
DEAD_REDIS = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/12",
        "KEY_PREFIX": "zaiti-test-dead",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


@pytest.fixture
def zone(db: None) -> Zone:
    return build_zone()


def leader_client(zone: Zone) -> Client:
    client = Client()
    client.force_login(zone.leader)
    return client


def occupancy(client: Client, params: dict[str, str] = SCOPE) -> tuple[Decimal, int]:
    """(occupancy by area of X, queries the request took)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(API, params)
    assert response.status_code == 200
    figures = {f["name"]: f for f in json.loads(response.content)["figures"]}
    return Decimal(figures["occupancy_area"]["value"]), len(queries)


def assert_cached(client: Client) -> Decimal:
    """Read twice: the second answer comes from the cache. Returns the figure."""
    cold, cold_queries = occupancy(client)
    warm, warm_queries = occupancy(client)
    assert warm == cold
    assert warm_queries < cold_queries, "the second request was not served from the cache"
    return warm


# --- never stale --------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_shows_a_new_lease_at_once(zone: Zone) -> None:
    client = leader_client(zone)
    assert assert_cached(client) == Decimal("0.5500")

    make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])

    assert occupancy(client)[0] == Decimal("0.8500")  # + 300 of 1,000 m²


@pytest.mark.django_db
def test_it_shows_a_lease_ended_early_at_once(zone: Zone) -> None:
    client = leader_client(zone)
    assert assert_cached(client) == Decimal("0.5500")

    lease_terminate(lease=zone.leases["A-101"], on=today(), actor=zone.manager)

    assert occupancy(client)[0] == Decimal("0.3500")  # − 200 m²


@pytest.mark.django_db
def test_it_shows_a_lease_terminated_ahead_at_once(zone: Zone) -> None:
    """Ending in 20 days makes A-101 "available soon": exposure moves, occupancy does not."""
    client = leader_client(zone)
    assert assert_cached(client) == Decimal("0.5500")
    before = client.get(API, SCOPE).json()

    lease_terminate(lease=zone.leases["A-101"], on=today() + days(20), actor=zone.manager)

    after = {f["name"]: f["value"] for f in client.get(API, SCOPE).json()["figures"]}
    was = {f["name"]: f["value"] for f in before["figures"]}
    assert (was["exposure_area"], after["exposure_area"]) == ("0.1000", "0.3000")


@pytest.mark.django_db
def test_it_shows_a_unit_taken_off_the_market_at_once(zone: Zone) -> None:
    client = leader_client(zone)
    assert assert_cached(client) == Decimal("0.5500")

    unit = zone.units["A-201"]  # vacant, 300 m²
    unit.leasable = False
    unit.save()

    assert occupancy(client)[0] == Decimal("0.7857")  # 550 of 700 m²


@pytest.mark.django_db
def test_it_shows_an_expired_hold_as_free_without_any_write(zone: Zone) -> None:
    """A hold stops holding when it expires, with nothing written: an entry lives
    no longer than the next hold expiry."""
    now = timezone.now()
    make_lease(
        zone.units["A-201"],
        today(),
        today() + days(365),
        tenant=zone.tenants["yichou"],
        state=Allocation.State.HELD,
        hold_expires_at=now + dt.timedelta(minutes=30),
    )

    timeout = FigureCache(now=now).timeout()

    assert 0 < timeout <= 30 * 60
    later = FigureCache(now=now + dt.timedelta(hours=1))
    assert later.timeout() == figure_cache.MAX_TIMEOUT  # no hold ahead any more


@pytest.mark.django_db
def test_it_keys_figures_by_today(zone: Zone) -> None:
    """Statuses depend on the day: yesterday's entries are not today's."""
    now = timezone.now()
    place = selectors.carrier_place(scope_for(zone.leader), "ycl2")
    parts = (place.key, today().isoformat(), selectors.Filters().key)

    assert FigureCache(now=now).key("summary", *parts) != FigureCache(
        now=now + dt.timedelta(days=1)
    ).key("summary", *parts)


@pytest.mark.django_db
def test_it_bumps_the_generation_when_the_demo_zone_is_loaded() -> None:
    """seed_demo writes with bulk_create (no signals); the carrier it saves first,
    in the same transaction, bumps the generation on commit."""
    from carriers.demo import seed_demo_zone

    before = figure_cache.generation()
    with_callbacks: list[Any] = []
    with transaction.atomic():
        seed_demo_zone(scale=0.005, seed=7, today=today())
        with_callbacks.extend(connection.run_on_commit)
    assert figure_cache.generation() != before
    assert any(callback is figure_cache._committed for _sids, callback, _robust in with_callbacks)


# --- a reader racing a writer ------------------------------------------------------------


@pytest.fixture
def committed_zone(transactional_db: None) -> Iterator[Zone]:
    yield build_zone()


def _race(zone: Zone, client: Client) -> None:
    """A reader on another connection, during the writer's transaction, computes
    the old figures and caches them under the generation bumped at the write."""
    place = selectors.carrier_place(scope_for(zone.leader), "ycl2")
    old = selectors.summary_for(place, today(), selectors.Filters(), FigureCache())
    with transaction.atomic():
        make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])
        reader = FigureCache()
        key = reader.key("summary", place.key, today().isoformat(), selectors.Filters().key)
        cache.set(key, old)  # what the slow reader stores, with the old figures


def test_it_is_never_stale_after_a_racing_reader(committed_zone: Zone) -> None:
    client = leader_client(committed_zone)
    assert assert_cached(client) == Decimal("0.5500")

    _race(committed_zone, client)

    assert occupancy(client)[0] == Decimal("0.8500")


def test_it_would_be_stale_without_the_bump_on_commit(
    committed_zone: Zone, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The negative control: the race above is real, and on_commit is what wins it."""
    client = leader_client(committed_zone)
    assert assert_cached(client) == Decimal("0.5500")
    monkeypatch.setattr(figure_cache.transaction, "on_commit", lambda *a, **k: None)

    _race(committed_zone, client)

    assert occupancy(client)[0] == Decimal("0.5500")  # stale: the old figures


# --- Redis ------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db
def test_it_serves_the_second_request_from_redis(zone: Zone) -> None:
    from config.cache import ResilientRedisCache

    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache)
    client = leader_client(zone)
    assert assert_cached(client) == Decimal("0.5500")
    for url in ("/", "/carriers/jccx/"):
        with CaptureQueriesContext(connection) as cold:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get(url).status_code == 200
        assert len(warm) < len(cold), url
    assert backend.get(GENERATION_KEY) is not None  # in Redis, not in this process

    make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])

    assert occupancy(client)[0] == Decimal("0.8500")


@pytest.mark.django_db
def test_it_answers_right_with_redis_unreachable(zone: Zone) -> None:
    """Dashboard, grid and API answer 200 with the right figures while Redis is
    down: every request computes from the database, and nothing goes stale."""
    with override_settings(CACHES=DEAD_REDIS):
        assert caches["default"].get(GENERATION_KEY) is None  # really unreachable
        client = leader_client(zone)
        for url in ("/", "/carriers/ycl2/", "/carriers/ycl2/grid/", API):
            assert client.get(url).status_code == 200, url
        page = client.get("/carriers/ycl2/")
        tiles = {t.name: t for t in page.context["tiles"]}
        assert tiles["occupancy_area"].figure.value == Decimal("0.5500")
        first, first_queries = occupancy(client)
        again, again_queries = occupancy(client)
        assert first == again == Decimal("0.5500")
        assert again_queries == first_queries  # nothing cached: computed each time

        make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])

        assert occupancy(client)[0] == Decimal("0.8500")
        grid = client.get("/carriers/ycl2/grid/")
        assert "昆山乙丑生物医药有限公司" in grid.content.decode()


class _Unreachable:
    """The cache as ResilientRedisCache answers while Redis is down."""

    def incr(self, *args: object, **kwargs: object) -> int:
        raise ValueError("cache unavailable")

    def set(self, *args: object, **kwargs: object) -> None:
        return None

    def get(self, *args: object, **kwargs: object) -> None:
        return None

    def add(self, *args: object, **kwargs: object) -> bool:
        return False


@pytest.mark.django_db
def test_it_announces_a_change_made_while_the_cache_was_unreachable(monkeypatch) -> None:
    unit = make_unit(make_carrier(), gross_area=Decimal("100.00"), usable_area=Decimal("80.00"))
    place = selectors.district(scope_for(make_leadership()))
    day = timezone.localdate()
    before = selectors.summary_for(place, day, selectors.Filters(), figure_cache.FigureCache())
    assert before.figures["occupancy_area"].value == 0

    monkeypatch.setattr(figure_cache, "cache", _Unreachable())  # a blip during the write
    Allocation.objects.create(
        unit=unit, tenant=make_tenant(), start=day, end=None, state=Allocation.State.ACTIVE
    )
    monkeypatch.undo()  # the cache is back, with the old generation and entries in it

    after = selectors.summary_for(place, day, selectors.Filters(), figure_cache.FigureCache())
    assert after.figures["occupancy_area"].value == 1


@pytest.mark.django_db
def test_it_keeps_working_while_a_real_redis_stops_and_caches_again_when_it_returns(
    zone: Zone, redis_server: RedisServer
) -> None:
    """A real Redis server killed under the running site, then started again.

    While it is down every page and report answers from the database with the
    right figures, a change made meanwhile shows at once; once it is back the
    figures are cached again (the second read takes fewer queries)."""
    with override_settings(CACHES=cache_settings(redis_server)):
        client = leader_client(zone)
        assert assert_cached(client) == Decimal("0.5500")

        redis_server.stop()
        pages = (
            "/",
            "/carriers/ycl2/",
            "/carriers/ycl2/grid/",
            API,
            reverse("reports:carrier_pdf", args=["ycl2"]),
            reverse("reports:carrier_xlsx", args=["ycl2"]),
        )
        for url in pages:
            assert client.get(url).status_code == 200, url
        make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])
        first, first_queries = occupancy(client)
        again, again_queries = occupancy(client)
        assert first == again == Decimal("0.8500")
        assert again_queries == first_queries  # nothing cached while it is down

        redis_server.start()
        assert assert_cached(client) == Decimal("0.8500")
        assert caches["default"].get(GENERATION_KEY) is not None  # in the new Redis

"""The district dashboard is warmed after a change, on the real Redis (reports/warm.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rq import SimpleWorker

from reports import jobs, selectors, warm
from reports.cache import FigureCache
from reports.summary import summary
from tests.leasing.workflow import make_lease, today
from tests.reports.dash_world import Zone, build_zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(db: None) -> Zone:
    return build_zone()


class WarmQueue:
    """The warm queue with its scheduled (delayed) jobs, as a test sees them."""

    def __init__(self) -> None:
        self.queue = jobs.queue(name=warm.QUEUE)
        self.scheduled = self.queue.scheduled_job_registry

    def empty(self) -> None:
        self.queue.empty()
        for job_id in self.scheduled.get_job_ids():
            self.scheduled.remove(job_id, delete_job=True)
        cache.delete(warm.PENDING_KEY)

    @property
    def count(self) -> int:
        """Jobs waiting: scheduled for later or due."""
        return self.scheduled.count + self.queue.count

    def run_due(self) -> None:
        """What the worker's scheduler and then the worker do once the delay is over."""
        for job_id in self.scheduled.get_job_ids():
            self.scheduled.requeue(job_id)
        SimpleWorker([self.queue], connection=self.queue.connection).work(burst=True)


@pytest.fixture
def warm_queue() -> Iterator[WarmQueue]:
    queue = WarmQueue()
    queue.empty()
    warm.note_district_read()  # leadership reads the district
    yield queue
    queue.empty()


def home(client: Client) -> tuple[int, str]:
    """(queries the leadership home page took, its HTML)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.redis
def test_it_warms_the_district_after_a_committed_change(
    zone: Zone, warm_queue: WarmQueue, django_capture_on_commit_callbacks: Callable
) -> None:
    client = Client()
    client.force_login(zone.leader)

    # A change with no worker running: the next visit computes everything.
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-201"], today(), None, tenant=zone.tenants["yichou"])
    assert warm_queue.count == 1
    assert warm_queue.queue.count == 0  # not at once: after the quiet delay
    warm_queue.empty()
    cold_queries, _ = home(client)

    # The next change, with the worker running: the visit finds it all cached.
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-301"], today(), None, tenant=zone.tenants["jiazi"])
    assert warm_queue.count == 1
    warm_queue.run_due()
    warm_queries, _ = home(client)

    assert warm_queries < cold_queries - 10, (warm_queries, cold_queries)
    # What was cached is the district after the second change.
    figures = FigureCache()
    place = selectors.district(warm.reader_of_everything())
    cached = selectors.summary_for(place, figures.today, selectors.Filters(), figures)
    assert figures.hits == 1
    fresh = summary(place.units(), figures.today, now=figures.now)
    for name in ("occupancy_area", "occupancy_count", "vacancy_area"):
        assert cached.figures[name].value == fresh.figures[name].value, name


@pytest.mark.redis
def test_it_schedules_one_warming_for_a_burst_of_changes(
    zone: Zone, warm_queue: WarmQueue, django_capture_on_commit_callbacks: Callable
) -> None:
    for code in ("A-201", "A-301", "A-102"):
        with django_capture_on_commit_callbacks(execute=True):
            start = today().replace(year=today().year + 3)
            make_lease(zone.units[code], start, start.replace(year=start.year + 1))
    assert warm_queue.count == 1

    # Once the job starts, the next change schedules the next warming.
    warm.warm_district()
    warm_queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-201"], today().replace(year=today().year + 5), None)
    assert warm_queue.count == 1


@pytest.mark.redis
def test_it_warms_nothing_nobody_reads(
    zone: Zone, warm_queue: WarmQueue, django_capture_on_commit_callbacks: Callable
) -> None:
    cache.delete(warm.READ_KEY)  # no one has opened the district dashboard lately
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-201"], today(), None)
    assert warm_queue.count == 0

    client = Client()
    client.force_login(zone.leader)
    home(client)  # leadership opens it
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-301"], today(), None)
    assert warm_queue.count == 1


def test_it_schedules_nothing_without_redis(
    zone: Zone, settings, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.REDIS_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        make_lease(zone.units["A-201"], today(), None)
    assert cache.get(warm.PENDING_KEY) is None

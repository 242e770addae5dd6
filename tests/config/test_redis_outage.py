"""Redis stopped while the site runs: allocation and reports go on; when it
returns, caching and queueing resume.

A private redis-server (tests/redis_server.py) is killed under the running
site, the way an outage takes it, and started again on the same port, empty.
settings.REDIS_URL and the cache both point at it, so the report queue, the
dashboard-warming job and the figure cache all lose it together.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rq import SimpleWorker

from leasing.models import Allocation, SpaceRequest
from reports import jobs, warm
from reports.cache import GENERATION_KEY
from reports.models import ReportJob
from tests.factories import make_carrier, make_tenant, make_unit
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_manager,
    make_request,
    make_tenant_user,
    today,
)
from tests.redis_server import RedisServer, cache_settings

pytestmark = pytest.mark.django_db

CARRIER = "阳澄湖两岸科创中心研发总部二期"
# Everything a request pays for a dead Redis is a refused connection on
# loopback (short timeouts in settings): far under this for a whole workflow.
OUTAGE_BUDGET = 15.0


@pytest.fixture
def site_on(redis_server: RedisServer, settings: Any, tmp_path: Any) -> RedisServer:
    """The site configured with REDIS_URL and its cache on the private server."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = cache_settings(redis_server)
    settings.MEDIA_ROOT = tmp_path / "media"
    return redis_server


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def offer_data(unit: Any) -> dict[str, str]:
    start = today() + days(14)
    return {
        "carrier": unit.carrier.code,
        "unit": unit.code,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(days=365)).isoformat(),
        "hold_expires_at": timezone.localtime(timezone.now() + days(3)).strftime("%Y-%m-%dT%H:%M"),
        "contracted_rent": "",
        "rent_free_months": "0",
        "deposit": "0",
        "note": "",
    }


def offer_and_accept(manager: Client, tenant: Client, request: SpaceRequest, unit: Any) -> None:
    """A manager offers the unit, the tenant accepts: both through the pages."""
    response = manager.post(reverse("workspace:request_offer", args=[request.pk]), offer_data(unit))
    assert response.status_code == 302, response.content.decode()[:2000]
    hold = Allocation.objects.get(request=request, state=Allocation.State.HELD)
    assert manager.get(reverse("workspace:request", args=[request.pk])).status_code == 200

    response = tenant.post(reverse("portal:offer_accept", args=[hold.pk]))
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.state == Allocation.State.ACTIVE
    assert response["Location"] == reverse("portal:lease", args=[hold.pk])
    assert tenant.get(response["Location"]).status_code == 200


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_it_offers_and_accepts_while_redis_is_down_and_caches_again_after(
    site_on: RedisServer, django_capture_on_commit_callbacks: Callable
) -> None:
    carrier = make_carrier(name=CARRIER, code="ycl2")
    manager = client_for(make_manager(carrier))
    leader = client_for(make_leadership())
    company = make_tenant()
    tenant = client_for(make_tenant_user(company))
    units = [make_unit(carrier, code=f"A-30{n}", list_rent=Decimal("45")) for n in (1, 2)]
    requests = [make_request(company, preferred_carriers=[carrier]) for _ in units]
    api = "/api/v1/occupancy/"

    site_on.stop()
    started = time.monotonic()
    # The after-commit work (cache generation, dashboard warming, mail) runs too.
    with django_capture_on_commit_callbacks(execute=True):
        offer_and_accept(manager, tenant, requests[0], units[0])
    assert leader.get("/").status_code == 200
    assert queries_for(leader, api) == queries_for(leader, api)  # nothing cached
    assert time.monotonic() - started < OUTAGE_BUDGET

    site_on.start()
    assert leader.get("/").status_code == 200  # leadership reads the district again
    with django_capture_on_commit_callbacks(execute=True):
        offer_and_accept(manager, tenant, requests[1], units[1])
    # Caching resumes: the second read is served from the new Redis...
    cold = queries_for(leader, api)
    assert queries_for(leader, api) < cold
    assert caches["default"].get(GENERATION_KEY) is not None
    # ...and a change schedules the dashboard's warming on its queue again.
    assert jobs.queue(name=warm.QUEUE).scheduled_job_registry.count == 1
    assert Allocation.objects.filter(state=Allocation.State.ACTIVE).count() == 2


def test_it_builds_a_district_report_inline_while_redis_is_down_and_queues_it_after(
    site_on: RedisServer, django_capture_on_commit_callbacks: Callable
) -> None:
    make_carrier(name=CARRIER, code="ycl2")
    leader = client_for(make_leadership())
    leader.cookies["django_language"] = "en"
    build = reverse("reports:build")

    site_on.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(build, {"kind": "district_xlsx", "on": today().isoformat()})
    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE  # built inline, in the request
    page = leader.get(response["Location"])
    assert page.status_code == 200
    assert "Download" in page.content.decode()

    site_on.start()
    with django_capture_on_commit_callbacks(execute=True):
        response = leader.post(build, {"kind": "district_xlsx", "on": today().isoformat()})
    queued = ReportJob.objects.exclude(pk=job.pk).get()
    assert queued.status == ReportJob.Status.QUEUED  # on the queue again, not built inline
    page = leader.get(response["Location"]).content.decode()
    assert "data-job-label>Queued<" in page  # the page says so, and follows it
    queue = jobs.queue()
    assert queue.count == 1

    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    queued.refresh_from_db()
    assert queued.status == ReportJob.Status.DONE, queued.error

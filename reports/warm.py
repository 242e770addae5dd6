"""Warm the district dashboard after a change, so leadership's next visit is fast.

Any committed change moves the figure cache to a new generation (reports/cache.py),
and the whole district's figures are then computed again by whoever comes
next: about 7 s at ten times the zone, against ~12 ms once cached. With Redis,
each change instead schedules one job on the "warm" queue that computes the
district's summary, trend and league for today in the default language, as
leadership's home page asks for them.

Debounced, delayed, and only while someone reads the district:
- the first change sets a pending flag in the cache (one SET NX on the pooled
  connection, all a write pays) and schedules the job QUIET_SECONDS later;
  changes meanwhile add nothing. The job clears the flag as it starts, so a
  change during the computation schedules the next one. Under a stream of
  writes the district is therefore computed at most about once per
  QUIET_SECONDS, not back to back (the load run, bench/load.py, saw warming
  take 51 of 60 CPU-seconds when it followed every change at once).
- nothing is scheduled unless the district dashboard was read in the last
  READ_WINDOW: warming figures nobody looks at is wasted work.
The report worker takes report jobs first and warms when idle; it runs RQ's
scheduler for the delay. Without Redis nothing is scheduled: the embedded
default has no worker, and the page computes its figures when asked.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.utils import translation
from redis.exceptions import RedisError

from leasing.access import Role, Scope
from reports import selectors
from reports.cache import FigureCache

log = logging.getLogger("zaiti.reports")

QUEUE = "warm"
PENDING_KEY = "reports:warm:pending"
# If no worker takes the job, the flag and the job expire together and the
# next change schedules afresh: the queue never fills up.
PENDING_TIMEOUT = 10 * 60
READ_KEY = "reports:warm:read"
READ_WINDOW = 15 * 60


def quiet_seconds() -> int:
    return settings.DASHBOARD_WARM_DELAY


def note_district_read() -> None:
    """The district dashboard was read: keep warming it after changes for a while."""
    cache.set(READ_KEY, 1, timeout=READ_WINDOW)


def schedule() -> None:
    """After a committed change: make sure one warming job is on its way."""
    if not settings.REDIS_URL or not cache.get(READ_KEY):
        return
    if not cache.add(PENDING_KEY, 1, timeout=PENDING_TIMEOUT):
        return  # one is pending already (or the cache is down: then nothing is cached anyway)
    from reports.jobs import queue

    try:
        queue(name=QUEUE).enqueue_in(
            dt.timedelta(seconds=quiet_seconds()),
            warm_district,
            ttl=PENDING_TIMEOUT,
            result_ttl=0,
            failure_ttl=3600,
        )
    except (RedisError, OSError) as exc:
        cache.delete(PENDING_KEY)
        log.warning("Redis unavailable (%s): the dashboard is not warmed", exc)


def reader_of_everything() -> Scope:
    """The scope of leadership, whose district is every carrier (the key "district:all")."""
    return Scope(
        user=AnonymousUser(),
        role=Role.LEADERSHIP,
        managed_carrier_ids=frozenset(),
        tenant_ids=frozenset(),
    )


def warm_district() -> int:
    """Compute and cache the district dashboard's figures for today. Returns how many
    of its three entries (summary, trend, league) had to be computed."""
    cache.delete(PENDING_KEY)
    figures = FigureCache()
    if not figures.enabled:
        return 0
    place = selectors.district(reader_of_everything())
    filters = selectors.Filters()
    with translation.override(settings.LANGUAGE_CODE):
        selectors.summary_for(place, figures.today, filters, figures)
        selectors.trend_for(place, figures.today, filters, figures)
        selectors.league_for(place, figures.today, filters, figures)
    log.info("district dashboard warmed: %d of 3 figures computed", figures.misses)
    return figures.misses

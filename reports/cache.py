"""The dashboard's figures in Django's cache (Redis when REDIS_URL is set), never stale.

DESIGN.md §4.3: Redis accelerates, never decides. Everything cached here is a
pure function of (the data, the date asked for, the current date, the hold
expiries passed, the language), and each of those is in the key or bounds the
entry's lifetime:

- the data: a *generation* counter lives in the cache and is part of every
  key. Any change to a model the figures read bumps it after the change
  commits (post_save/post_delete/m2m_changed below, and `figures_changed()`
  for writes that bypass signals). Old entries are never read again and
  expire on their own.
- the date asked for and today's date (statuses such as "available soon"
  depend on the day asked; "today" decides what the dashboard defaults to):
  both are in the key.
- hold expiries: a hold stops occupying its unit the moment it expires, with
  no write to the database (carriers.status.occupying_q). An entry therefore
  lives no longer than the next unexpired hold in the ledger.
- the language: figures carry translated exclusions, so the key has it too.

While the cache is down (config.cache.ResilientRedisCache answers every call
as a miss), the generation cannot be read and nothing is cached: every
request computes its figures from the database, a little slower, never wrong.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min, Model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone, translation

log = logging.getLogger("zaiti.reports")

T = TypeVar("T")

GENERATION_KEY = "reports:generation"
# Upper bound of any entry's life. Invalidation is exact while the cache is
# shared and reachable; this bounds what it cannot see: a write made while
# Redis was unreachable (if its process ends before Redis is back, see
# bump()), or, without Redis, a write from another process (a cron command).
MAX_TIMEOUT = 15 * 60
# The generation itself must outlive every entry keyed by it.
GENERATION_TIMEOUT = None  # never expires (Redis may still evict it: see generation())

# Models whose rows the figures read. A change to any of them bumps the generation.
WATCHED = (
    ("carriers", "Carrier"),
    ("carriers", "Building"),
    ("carriers", "Floor"),
    ("carriers", "Unit"),
    ("leasing", "Allocation"),
    ("leasing", "Tenant"),
    ("leasing", "Qualification"),
    ("leasing", "SpaceRequest"),
)


# --- the generation ---------------------------------------------------------------------


def _fresh_generation() -> int:
    # Nanoseconds since the epoch: a generation started after an eviction or a
    # flush can never equal one whose entries may still be in the cache.
    return time.time_ns()


# A change this process could not announce because the cache was unreachable.
_unannounced = threading.Event()


def generation() -> int | None:
    """The current generation, or None while the cache is unavailable (then: do not cache)."""
    if _unannounced.is_set():
        # Announce the change now: entries cached before the outage are stale.
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=GENERATION_TIMEOUT)
        if cache.get(GENERATION_KEY) is None:
            return None
        _unannounced.clear()
    value = cache.get(GENERATION_KEY)
    if value is None:
        # First use, or evicted: start a new one. add() keeps a concurrent
        # starter's value if it won; read back whichever is there.
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=GENERATION_TIMEOUT)
        value = cache.get(GENERATION_KEY)
    return int(value) if value is not None else None


def bump() -> None:
    """Move to a new generation: every cached figure is out of date from now on."""
    try:
        cache.incr(GENERATION_KEY)
        return
    except ValueError:
        # Missing (never set, evicted, or the cache is down): a fresh value is
        # as good as an increment, since no entry can carry it yet.
        cache.set(GENERATION_KEY, _fresh_generation(), timeout=GENERATION_TIMEOUT)
    if cache.get(GENERATION_KEY) is None:
        # Unreachable: when it answers again its old entries would look
        # current. This process announces the change at its next read.
        _unannounced.set()


def figures_changed(using: str | None = None) -> None:
    """Call after a write that affects figures and sends no signal (queryset
    .update(), bulk_create, raw SQL).

    Bumps now, for reads later in the same transaction, and again once the
    transaction commits: a reader on another connection may have cached the
    pre-commit figures under the first bump meanwhile. Outside a transaction
    on_commit runs at once, and the second bump is harmless.
    """
    bump()
    transaction.on_commit(_committed, using=using)


def _committed() -> None:
    bump()
    from reports import warm  # it reads through the selectors, which import this module

    warm.schedule()


def _on_change(sender: type[Model], using: str = "default", **kwargs: Any) -> None:
    figures_changed(using)  # loaddata's raw saves too: fixtures change figures like any write


def _on_m2m_change(sender: type[Model], action: str, using: str = "default", **kwargs: Any) -> None:
    if action.startswith("post_"):
        figures_changed(using)


def connect_signals() -> None:
    """Watch every model the figures read (called from ReportsConfig.ready)."""
    from django.apps import apps

    for app_label, model_name in WATCHED:
        model = apps.get_model(app_label, model_name)
        uid = f"reports.cache:{app_label}.{model_name}"
        post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}:delete")
    request = apps.get_model("leasing", "SpaceRequest")
    m2m_changed.connect(
        _on_m2m_change,
        sender=request.preferred_carriers.through,
        dispatch_uid="reports.cache:request.preferred_carriers",
    )


# --- entries ----------------------------------------------------------------------------


def next_hold_expiry(now: dt.datetime) -> dt.datetime | None:
    """The first moment after `now` at which a hold stops occupying its unit (one query)."""
    from leasing.models import Allocation

    return Allocation.objects.filter(
        state=Allocation.State.HELD, hold_expires_at__gt=now
    ).aggregate(first=Min("hold_expires_at"))["first"]


def make_key(kind: str, *parts: object) -> str:
    """A short, stable key; the parts are hashed so any scope or filter fits."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:20]
    return f"reports:{kind}:{digest}"


class FigureCache:
    """Cached figures for one request: reads the generation once, and the next
    hold expiry at most once (on the first miss)."""

    def __init__(self, *, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.generation = generation()
        self._timeout: int | None = None
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.generation is not None

    def timeout(self) -> int:
        if self._timeout is None:
            expiry = next_hold_expiry(self.now)
            seconds = MAX_TIMEOUT
            if expiry is not None:
                seconds = min(seconds, math.ceil((expiry - self.now).total_seconds()))
            self._timeout = max(1, seconds)
        return self._timeout

    def key(self, kind: str, *parts: object) -> str:
        return make_key(
            kind,
            self.generation,
            self.today.isoformat(),
            translation.get_language(),
            *parts,
        )

    def peek(self, kind: str, parts: tuple[object, ...]) -> Any:
        """The cached value for (kind, parts), or None: never computes."""
        if not self.enabled:
            return None
        return cache.get(self.key(kind, *parts))

    def get_or_compute(self, kind: str, parts: tuple[object, ...], compute: Callable[[], T]) -> T:
        """The cached value for (kind, parts), or compute() stored for next time."""
        if not self.enabled:
            self.misses += 1
            return compute()
        key = self.key(kind, *parts)
        value = cache.get(key)
        if value is not None:
            self.hits += 1
            return value
        self.misses += 1
        value = compute()
        # A value computed under this generation is stored under it even if a
        # change has bumped it meanwhile: readers have moved on to the new key.
        cache.set(key, value, timeout=self.timeout())
        return value

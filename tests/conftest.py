"""Shared fixtures, and the rule for tests that need the real services.

Tests marked `postgres` run only when the suite runs on PostgreSQL
(DATABASE_URL set); tests marked `redis` need REDIS_URL. Without the service
they skip with the reason, except when REQUIRE_SERVICES=1 (the CI pass
against PostgreSQL and Redis), where a missing service fails them instead:
CI must never pass by skipping the tests that prove integrity.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection


def _require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def _missing(reason: str) -> None:
    if _require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_markers(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL: run with DATABASE_URL=postgres://... (the CI pass does)")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        _missing("needs Redis: run with REDIS_URL=redis://... (the CI pass does)")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: it outlives the database that each
    test rolls back, so figures cached by one test could otherwise meet the next."""
    from django.core.cache import cache

    cache.clear()

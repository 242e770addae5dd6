"""Shared fixtures, and the rule for tests that need the real services.

Tests marked `postgres` run only when the suite runs on PostgreSQL
(DATABASE_URL set); tests marked `redis` need REDIS_URL. Without the service
they skip with the reason, except when REQUIRE_SERVICES=1 (the CI pass
against PostgreSQL and Redis), where a missing service fails them instead:
CI must never pass by skipping the tests that prove integrity.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.redis_server import RedisServer


def _require_services() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") == "1"


def missing_service(reason: str) -> None:
    if _require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_markers(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: run with DATABASE_URL=postgres://... (the CI pass does)")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        missing_service("needs Redis: run with REDIS_URL=redis://... (the CI pass does)")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Each test starts with an empty cache: it outlives the database that each
    test rolls back, so figures cached by one test could otherwise meet the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real Redis of the test's own, which it may stop and start (tests/redis_server.py)."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing_service("needs the redis-server binary to stop and restart a real Redis")
    server = RedisServer(binary)  # type: ignore[arg-type]
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Uploads, pictures and report files go to a folder of the test's own, never
    the project's media/ (seed_demo, for one, stores floor plans and photos)."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")

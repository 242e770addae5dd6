"""Redis accelerates, never decides: the cache against a real and a dead Redis."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.test import override_settings

from config.cache import ResilientRedisCache


def _closed_port() -> int:
    # A port on loopback that nothing listens on: bind, note it, close.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dead_cache() -> ResilientRedisCache:
    return ResilientRedisCache(
        f"redis://127.0.0.1:{_closed_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )


def test_it_behaves_as_an_empty_cache_while_redis_is_down() -> None:
    cache = _dead_cache()
    started = time.monotonic()
    cache.set("k", "v")
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_or_set("k", lambda: 42) == 42
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    with pytest.raises(ValueError):
        cache.incr("counter")
    # Short timeouts: an outage costs milliseconds per call, not minutes.
    assert time.monotonic() - started < 5


@pytest.mark.redis
def test_it_caches_in_the_real_redis() -> None:
    cache = caches["default"]
    assert isinstance(cache, ResilientRedisCache)
    key = f"zaiti-test-{uuid.uuid4()}"
    cache.set(key, {"occupancy": "0.87"}, 30)
    assert cache.get(key) == {"occupancy": "0.87"}
    cache.delete(key)
    assert cache.get(key) is None


@pytest.mark.redis
def test_incr_counts_an_existing_key_and_refuses_a_missing_one_in_the_real_redis() -> None:
    # incr is one Lua call (EXISTS then INCRBY) with Django's contract: a missing key is
    # a ValueError and is not created, so a generation never restarts at 1 by accident.
    cache = caches["default"]
    key = f"zaiti-test-{uuid.uuid4()}"
    with pytest.raises(ValueError):
        cache.incr(key)
    assert cache.get(key) is None
    cache.set(key, 41, 30)
    assert cache.incr(key) == 42
    assert cache.decr(key, 2) == 40
    assert cache.get(key) == 40
    cache.delete(key)


@pytest.mark.django_db
def test_it_serves_pages_and_keeps_sessions_with_redis_unreachable(
    client, django_user_model
) -> None:
    dead = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    leader = django_user_model.objects.create_user("leader", password="s3cret-pass-word")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    # override_settings(CACHES=...) makes Django rebuild its cache handlers.
    with override_settings(CACHES=dead):
        assert isinstance(caches["default"], ResilientRedisCache)
        assert client.login(username="leader", password="s3cret-pass-word")
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200  # still logged in: session in the DB

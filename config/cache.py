"""A Redis cache that degrades to "always miss" while Redis is unreachable.

DESIGN.md §4.3: Redis accelerates, never decides. Django's RedisCache raises
on a dead Redis, which would turn a cache outage into a site outage; this
subclass logs the failure and behaves like an empty cache instead, so every
page still works, a little slower. Short socket timeouts (settings) keep each
failed call to milliseconds.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("zaiti.cache")

F = TypeVar("F", bound=Callable[..., Any])
OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
# Log an outage at most this often, not once per cache call.
LOG_EVERY_SECONDS = 30.0


def _degrade(fallback: Callable[..., Any]) -> Callable[[F], F]:
    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                self._note_outage(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _default(key: str, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


def _false(*args: Any, **kwargs: Any) -> bool:
    return False


def _empty_dict(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


def _all_failed(data: dict[str, Any], *args: Any, **kwargs: Any) -> list[str]:
    return list(data)


def _missing_key(key: str, *args: Any, **kwargs: Any) -> int:
    # What incr/decr raise for a key that is not cached: callers handle a miss.
    raise ValueError(f"Key {key!r} not found (cache unavailable)")


# INCRBY only when the key exists, in one round trip. Django's client asks
# EXISTS, then INCRBY: two round trips for each of the two generation bumps of
# every committed write, which with 16 writers on two cores cost about a fifth
# of the allocations per second (bench/allocate_throughput.py).
INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return false
"""


class ResilientRedisCache(RedisCache):
    _last_logged = 0.0

    def _note_outage(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_logged >= LOG_EVERY_SECONDS:
            ResilientRedisCache._last_logged = now
            log.warning("Redis unavailable (%s: %s); serving without cache", operation, exc)

    get = _degrade(_default)(RedisCache.get)
    set = _degrade(_nothing)(RedisCache.set)
    add = _degrade(_false)(RedisCache.add)
    touch = _degrade(_false)(RedisCache.touch)
    delete = _degrade(_false)(RedisCache.delete)
    has_key = _degrade(_false)(RedisCache.has_key)
    get_many = _degrade(_empty_dict)(RedisCache.get_many)
    set_many = _degrade(_all_failed)(RedisCache.set_many)
    delete_many = _degrade(_nothing)(RedisCache.delete_many)
    clear = _degrade(_false)(RedisCache.clear)
    decr = _degrade(_missing_key)(RedisCache.decr)

    @_degrade(_missing_key)
    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        value = client.eval(INCR_EXISTING, 1, key, delta)
        if value is None:
            raise ValueError(f"Key {key!r} not found.")
        return int(value)

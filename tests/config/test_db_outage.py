"""PostgreSQL restarted while the site runs: the next request after it is back succeeds.

A restart ends every connection the server had; a web process keeping its
connection between requests (CONN_MAX_AGE) then holds a dead one. With
CONN_HEALTH_CHECKS, Django checks a kept connection before the first query of
each request and opens a new one when it is gone.

The shared server is not restarted: ending the app connection's backend with
pg_terminate_backend from a second connection is exactly what a restart does
to the connections that exist. Requests go through Django's WSGI handler as
gunicorn calls it, because that is what sends request_started and
request_finished with close_old_connections connected: the test client
disconnects close_old_connections around its own signals, so through it no
health check would ever run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from io import BytesIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.handlers.wsgi import WSGIHandler
from django.db import DatabaseError, connection, connections
from django.test import Client

from tests.factories import make_carrier

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CARRIER = "德国医谷长三角（昆山）创新中心"
DEADLINE = 10.0  # seconds for the backend to go away


def wsgi_get(path: str, cookies: SimpleCookie) -> tuple[int, str]:
    """One request as a WSGI server makes it: request_started, the view, close()."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items()),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(b""),
        "wsgi.errors": BytesIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    status: list[str] = []
    result = WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s))
    try:
        body = b"".join(result)
    finally:
        result.close()  # sends request_finished, as gunicorn does
    return int(status[0].split()[0]), body.decode()


def backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def terminate(pid: int) -> None:
    """End one backend from another connection, and wait until it is gone."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            deadline = time.monotonic() + DEADLINE
            while True:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if cursor.fetchone()[0] == 0:
                    return
                assert time.monotonic() < deadline, f"backend {pid} still there"
                time.sleep(0.05)
    finally:
        other.close()


@pytest.fixture
def leader_cookies() -> SimpleCookie:
    make_carrier(name=CARRIER, code="gmv")
    leader = User.objects.create_user("leader")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    client = Client()
    client.force_login(leader)
    return client.cookies


@pytest.fixture
def health_checks(request: pytest.FixtureRequest) -> Iterator[bool]:
    """Run with the connection's health checks as settings.py has them, or off."""
    on = request.param
    saved = connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.settings_dict["CONN_HEALTH_CHECKS"] = on
    connection.close()  # read again when the next connection opens
    yield on
    connection.close()
    connection.settings_dict["CONN_HEALTH_CHECKS"] = saved


def test_it_keeps_connections_and_checks_their_health_on_postgresql() -> None:
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    assert connection.settings_dict["CONN_MAX_AGE"] > 0


@pytest.mark.parametrize("health_checks", [True], indirect=True)
def test_it_answers_the_first_request_after_postgresql_restarts(
    leader_cookies: SimpleCookie, health_checks: bool
) -> None:
    status, body = wsgi_get("/", leader_cookies)
    assert status == 200 and CARRIER in body
    kept = backend_pid()  # the connection survived the request (CONN_MAX_AGE)

    terminate(kept)

    started = time.monotonic()
    status, body = wsgi_get("/", leader_cookies)
    assert status == 200
    assert CARRIER in body
    assert backend_pid() != kept  # a new connection
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("health_checks", [False], indirect=True)
def test_it_would_fail_that_request_without_health_checks(
    leader_cookies: SimpleCookie, health_checks: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The negative control: the same sequence fails without the health check, so
    the test above does see the dead connection."""
    assert wsgi_get("/", leader_cookies)[0] == 200
    terminate(backend_pid())

    caplog.clear()
    assert wsgi_get("/", leader_cookies)[0] == 500
    errors = [r.exc_info[0] for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert errors and all(issubclass(e, DatabaseError) for e in errors), errors
    # That failure closed the connection (request_finished): the next one works.
    status, body = wsgi_get("/", leader_cookies)
    assert status == 200 and CARRIER in body

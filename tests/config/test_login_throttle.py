"""Login throttling (django-axes): five failures for one username from one address
pause that pair for fifteen minutes, on our login page and the admin's.

Every test posts through the real login forms, with the request, as a browser does;
none turns axes off.
"""

from __future__ import annotations

import datetime as dt
import re
import socket

import pytest
from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

from config.login_throttle import LoginThrottleBackend

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-2026"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
LIMIT = 5


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    # Throttling does not depend on the hasher; the default one costs ~0.2 s a login.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def user() -> User:
    leader = User.objects.create_user("leader", password=PASSWORD)
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    return leader


def post_login(
    client: Client,
    username: str,
    password: str,
    *,
    path: str = LOGIN,
    ip: str = "203.0.113.7",
    **extra: str,
):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def fail(client: Client, times: int, username: str = "leader", **kwargs: str) -> None:
    """Fail `times` times: the form again with its error, or the lockout page once reached."""
    for _ in range(times):
        response = post_login(client, username, "wrong-password", **kwargs)
        assert response.status_code in (200, 429)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def english() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_it_puts_the_axes_backend_first() -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "config.login_throttle.LoginThrottleBackend"
    assert issubclass(LoginThrottleBackend, AxesStandaloneBackend)
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert settings.AXES_ENABLED is True


def test_it_locks_a_username_out_after_five_failures(client: Client, user: User) -> None:
    for _ in range(LIMIT - 1):
        response = post_login(client, "leader", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
        assert response.context["form"].errors
    response = post_login(client, "leader", "wrong-password")
    assert response.status_code == 429
    # Now even the right password is refused, before it is checked.
    response = post_login(client, "leader", PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_it_says_so_in_chinese_on_a_page_of_its_own(client: Client, user: User) -> None:
    fail(client, LIMIT - 1)
    response = post_login(client, "leader", "wrong-password")
    body = response.content.decode()
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert '<html lang="zh-hans">' in body
    with translation.override("zh-hans"):
        paused = ngettext(
            "To protect it, logins are paused for %(minutes)s minute. "
            "Try again after that with the right password.",
            "To protect it, logins are paused for %(minutes)s minutes. "
            "Try again after that with the right password.",
            15,
        ) % {"minutes": 15}
        assert paused in body
        assert gettext("Login paused") in body
    # No inline script or style (a CSP without unsafe-inline comes later).
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert "style=" not in body
    assert "<style" not in body


def test_it_tells_the_wait_and_the_way_out_in_english(user: User) -> None:
    client = english()
    fail(client, LIMIT - 1)
    body = post_login(client, "leader", "wrong-password").content.decode()
    assert "5 failed logins in a row" in body
    assert "logins are paused for 15 minutes" in body
    assert "Ask the district admin" in body


def test_it_resets_the_count_on_a_successful_login(client: Client, user: User) -> None:
    fail(client, LIMIT - 1)
    assert post_login(client, "leader", PASSWORD).status_code == 302
    client.logout()
    fail(client, LIMIT - 1)  # four more: would be eight without the reset
    assert post_login(client, "leader", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_it_counts_per_username_and_address_together(client: Client, user: User) -> None:
    User.objects.create_user("colleague", password=PASSWORD)
    fail(client, LIMIT)
    # The same username from another address, another username from the same one.
    assert post_login(client, "leader", PASSWORD, ip="198.51.100.20").status_code == 302
    client.logout()
    assert post_login(client, "colleague", PASSWORD).status_code == 302
    client.logout()
    assert post_login(client, "leader", PASSWORD).status_code == 429


def test_it_lets_the_user_in_again_after_the_cool_off(client: Client, user: User) -> None:
    fail(client, LIMIT)
    assert post_login(client, "leader", PASSWORD).status_code == 429
    # Fifteen minutes and a second later (the attempt's time moved back).
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - dt.timedelta(seconds=1)
    )
    assert post_login(client, "leader", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_it_does_not_extend_the_pause_with_attempts_made_during_it(
    client: Client, user: User
) -> None:
    fail(client, LIMIT)
    started = AccessAttempt.objects.get().attempt_time
    for _ in range(3):
        assert post_login(client, "leader", "wrong-password").status_code == 429
    attempt = AccessAttempt.objects.get()
    assert attempt.attempt_time == started
    assert attempt.failures_since_start == LIMIT


def test_it_locks_the_admin_login_out_too(client: Client) -> None:
    User.objects.create_superuser("root", "root@example.cn", PASSWORD)
    for _ in range(LIMIT - 1):
        assert post_login(client, "root", "wrong", path=ADMIN_LOGIN).status_code == 200
    assert post_login(client, "root", "wrong", path=ADMIN_LOGIN).status_code == 429
    response = post_login(client, "root", PASSWORD, path=ADMIN_LOGIN)
    assert response.status_code == 429
    assert not is_logged_in(client)
    # One count for both doors: the site's login page is closed to the pair as well.
    assert post_login(client, "root", PASSWORD).status_code == 429


def test_it_logs_in_and_locks_out_with_redis_unreachable(client: Client, user: User) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead):
        assert post_login(client, "leader", PASSWORD).status_code == 302
        assert client.get("/").status_code == 200
        client.logout()
        fail(client, LIMIT - 1)
        assert post_login(client, "leader", "wrong-password").status_code == 429


def test_it_keeps_the_test_clients_login_working(client: Client, user: User) -> None:
    # client.login() authenticates without a request: nothing to throttle, no error.
    assert client.login(username="leader", password=PASSWORD)
    assert not Client().login(username="leader", password="wrong-password")
    assert not AccessAttempt.objects.exists()


# --- the client's address ------------------------------------------------------------------


def test_it_ignores_x_forwarded_for_unless_told_about_proxies(client: Client, user: User) -> None:
    # A client choosing a new forwarded address for each attempt gains nothing.
    for n in range(LIMIT):
        post_login(client, "leader", "wrong-password", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = post_login(client, "leader", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_reads_the_address_our_proxy_appended(client: Client, user: User) -> None:
    proxy = {"ip": "10.1.1.1"}  # every request comes from the proxy
    for n in range(LIMIT):
        # The client's own (spoofable) entries on the left change; ours, on the right, does not.
        post_login(
            client, "leader", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.50", **proxy
        )
    assert (
        post_login(
            client, "leader", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.50", **proxy
        ).status_code
        == 429
    )
    # Another client behind the same proxy is not locked out.
    assert (
        post_login(
            client, "leader", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy
        ).status_code
        == 302
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_it_falls_back_to_the_peer_for_a_garbled_forwarded_address(
    client: Client, user: User
) -> None:
    fail(client, 1, HTTP_X_FORWARDED_FOR="not-an-address")
    fail(client, 1)  # no header at all
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.7"]

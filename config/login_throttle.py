"""Login throttling with django-axes, fitted to Zaiti.

Failed logins are counted in the database (not in Redis: a cache outage must
neither lock anybody out nor lift a lockout) per username and client address
together; after settings.AXES_FAILURE_LIMIT failures that pair is refused for
settings.AXES_COOLOFF_TIME, on the login page and the admin's alike, and a
success resets the count. The pieces settings.py names:

- `LoginThrottleBackend`, first in AUTHENTICATION_BACKENDS: refuses a locked-out
  pair before the password is even checked.
- `client_ip`: the client's address, from X-Forwarded-For only when
  TRUSTED_PROXY_COUNT says how many proxies of ours stand in front.
- `lockout_response`: the page a locked-out person sees (HTTP 429).
- `LoggingHandler`: axes' database handler, plus one log line per failed login
  (username and address, never the password).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

log = logging.getLogger("zaiti.security")

LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Usernames are logged as typed; a cap keeps a hostile one from flooding the log.
MAX_LOGGED_USERNAME = 150


class LoginThrottleBackend(AxesStandaloneBackend):
    """axes' lockout check, for logins that come with a web request.

    Every login form (ours and the admin's) passes the request to
    authenticate(). A call without one comes from code on the server (the
    test client's login(), a shell) and has no client to count failures for:
    it skips the check and goes on to ModelBackend instead of raising, as
    axes' own backend would. tests/config/test_login_throttle.py locks out
    both login pages, so a form that forgot the request would show there.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address failures are counted against.

    REMOTE_ADDR unless TRUSTED_PROXY_COUNT (our proxies in front of gunicorn)
    is set: then the entry that the outermost of them appended to
    X-Forwarded-For, counting from the right. Entries further left are
    whatever the client sent and would let anyone pick a fresh address for
    each attempt, so they are never read.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # not through all our proxies: only the direct peer is known
    return _valid_ip(hops[-proxies]) or remote


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page shown instead of the login form while a username and address are locked out."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        LOCKOUT_TEMPLATE,
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class LoggingHandler(AxesDatabaseHandler):
    """axes' database handler, logging each failed login and each lockout."""

    def user_login_failed(
        self, sender: Any, credentials: dict, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # Django has already masked the password in `credentials`; only the
        # username is read from it anyway.
        username = str(credentials.get(get_user_model().USERNAME_FIELD, ""))[:MAX_LOGGED_USERNAME]
        ip = client_ip(request) if request is not None else None
        path = request.path if request is not None else None
        locked_already = bool(getattr(request, "axes_locked_out", False))
        log.warning(
            "login failed: username=%r ip=%s path=%s%s",
            username,
            ip,
            path,
            " (locked out)" if locked_already else "",
        )
        super().user_login_failed(sender, credentials, request, **kwargs)
        if not locked_already and getattr(request, "axes_locked_out", False):
            log.warning(
                "login locked out for %d minutes: username=%r ip=%s",
                settings.AXES_COOLOFF_TIME.total_seconds() // 60,
                username,
                ip,
            )

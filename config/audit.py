"""Log refused requests: who (user id), what (method, path), never what they sent.

Two kinds of refusal are logged on "zaiti.security":
- every 403 response: leadership trying to write, a CSRF failure, anything
  raising PermissionDenied;
- every lookup of an object that exists but lies outside the asker's scope
  (leasing.access.OutOfScope). The asker gets the same 404 as for an object
  that does not exist (DESIGN.md §1); only the log tells the two apart.

The path is logged without its query string, and no body or header is read:
neither can leak a password or a form's contents into the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from leasing.access import OutOfScope

log = logging.getLogger("zaiti.security")


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class DenialLogMiddleware:
    """Placed after AuthenticationMiddleware, so the user is known."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            log.warning(
                "permission denied: user=%s %s %s",
                _user_id(request),
                request.method,
                request.path,
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OutOfScope):
            log.warning(
                "out of scope: user=%s %s %s %s",
                _user_id(request),
                request.method,
                request.path,
                exception.model_label,
            )
        # None: the exception goes on to become the usual 404.

"""The read-only JSON endpoints' shared envelope: errors, and who may call them.

Both endpoints (/api/v1/occupancy/, /units/search.json) use the site's session,
answer GET and HEAD only, and serve the staff side; a refusal is JSON with an
error code and a message in the caller's language, never a redirect to a
login page a script cannot follow.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _

from leasing.access import Scope, request_scope


def json_error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"error": code, "message": message, **extra},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def staff_reader(request: HttpRequest) -> Scope | JsonResponse:
    """The caller's scope, or the JSON refusal to send: 405, 401, or 403 for a company's user."""
    if request.method not in ("GET", "HEAD"):
        response = json_error(405, "method_not_allowed", _("Only GET is allowed here."))
        response["Allow"] = "GET, HEAD"
        return response
    if not request.user.is_authenticated:
        return json_error(
            401, "not_authenticated", _("Sign in first: this endpoint uses the site's session.")
        )
    scope = request_scope(request)
    if not scope.is_staff_side:
        return json_error(403, "forbidden", _("This endpoint is for carrier staff and leadership."))
    return scope

"""Template context: the scope of who is looking, for navigation by role."""

from __future__ import annotations

from django.http import HttpRequest

from leasing.access import request_scope


def scope(request: HttpRequest) -> dict[str, object]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"scope": request_scope(request)}

"""Serving stored pictures, only to whoever may see them.

Files under MEDIA_ROOT are never served by MEDIA_URL: every picture is read
through this view, which looks the row up in the asker's scope first
(leasing.access: Scope.floor_plans, unit_photos, carrier_covers). Who sees what:

- leadership and the district admin: every picture;
- a space manager: the plans, photos and covers of the carriers they manage;
- a company's users: the photos of the units it leases (an active lease,
  current or starting later) or is offered now (a live hold), the plan of the
  floor each such unit is on (to see where it lies; the plan shows unit codes
  and areas, never who is in them), and the cover of each such unit's carrier.
  Units it has left, offers it turned down or let lapse, and every other floor
  of the building are out of its scope;
- anyone else, or anything else: 404, the same answer as for a picture that
  does not exist. Not signed in: to the login page, like every other page.

A stored file never changes under its URL (a new upload is a new row with a
new id), so answers may be cached, but only privately: scope can change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from carriers.images import MIME_BY_EXTENSION, SIZES
from carriers.models import StoredImage
from leasing.access import Scope, get_in_scope, request_scope

CACHE_CONTROL = "private, max-age=86400"
FIELDS = {"full": "image", "large": "thumb_large", "small": "thumb_small"}


def _serve(
    request: HttpRequest,
    pk: int,
    size: str,
    kind: str,
    scoped: Callable[[Scope], QuerySet[StoredImage]],
) -> FileResponse:
    if size not in SIZES:
        raise Http404
    row = get_in_scope(scoped(request_scope(request)), pk=pk)
    field: FieldFile = getattr(row, FIELDS[size])
    extension = PurePosixPath(field.name or "").suffix.lower()
    if extension not in MIME_BY_EXTENSION:
        raise Http404
    try:
        handle = field.open("rb")
    except OSError as exc:  # the row survived its file (restored database, lost disk)
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=MIME_BY_EXTENSION[extension],
        as_attachment=False,
        filename=f"{kind}-{row.pk}-{size}{extension}",
    )
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Cookie"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def plan(request: HttpRequest, pk: int, size: str) -> FileResponse:
    return _serve(request, pk, size, "plan", lambda scope: scope.floor_plans())


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, size: str) -> FileResponse:
    return _serve(request, pk, size, "photo", lambda scope: scope.unit_photos())


@login_required
@require_GET
def cover(request: HttpRequest, pk: int, size: str) -> FileResponse:
    return _serve(request, pk, size, "cover", lambda scope: scope.carrier_covers())

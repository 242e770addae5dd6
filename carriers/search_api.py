"""GET /units/search.json: the unit search's results as JSON (the page's filters).

The same filters, sort and pages as /units/ (carriers/search.py) and the same
scope (leasing.access); every answer, errors included, is JSON, with messages
in the user's language:

    401  not signed in
    403  a company's user: the endpoint is for the carriers' side
    400  a filter is malformed: `errors` lists the messages by field
    405  anything but GET/HEAD
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.search import UnitSearchFilter, bind
from carriers.search_results import ResultRow, search_page
from leasing.json_api import json_error, staff_reader

API_VERSION = 1


def _unit_json(row: ResultRow) -> dict[str, Any]:
    return {
        "id": row.pk,
        "url": row.url,
        "carrier": {"code": row.carrier_code, "name": row.carrier},
        "place": row.place,
        "code": row.code,
        "kind": row.kind_value,
        "kind_label": row.kind,
        "gross_area": row.gross_area,
        "list_rent": row.list_rent,
        "seats": row.seats,
        "turnkey": bool(row.turnkey),
        "ready_on": row.ready_on.isoformat() if row.ready_on else None,
        "status": row.status,
        "status_label": row.status_label,
        # The lease or hold covering the day: its company and last day (null: open-ended).
        "let": row.let,
        "tenant": row.tenant or None,
        "lease_last_day": row.lease_last_day.isoformat() if row.lease_last_day else None,
    }


def unit_search_json(request: HttpRequest) -> JsonResponse:
    scope = staff_reader(request)
    if isinstance(scope, JsonResponse):
        return scope
    now = timezone.now()
    filterset = UnitSearchFilter(
        bind(request.GET, timezone.localdate(now)),
        queryset=scope.units(),
        request=request,
        now=now,
    )
    if not filterset.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in filterset.form.errors.items()}
        field, messages = next(iter(errors.items()))
        label = filterset.form.fields[field].label if field in filterset.form.fields else field
        message = _("%(field)s: %(message)s") % {"field": label, "message": messages[0]}
        return json_error(400, "bad_request", message, field=field, errors=errors)
    results = search_page(filterset, request.GET.get("page"))
    page = results.page
    return JsonResponse(
        {
            "version": API_VERSION,
            "on": results.day.isoformat(),
            "sort": filterset.sort_key,
            "count": page.paginator.count,
            "page": page.number,
            "num_pages": page.paginator.num_pages,
            "per_page": page.paginator.per_page,
            "units": [_unit_json(row) for row in results.rows],
        },
        json_dumps_params={"ensure_ascii": False},
    )

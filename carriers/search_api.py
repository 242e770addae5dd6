"""The unit search as JSON, with the page's filters (carriers/search.py):

- GET /units/search.json: a page of results, with the count;
- GET /units/count.json: the count alone, which the page /units/ asks for
  after it has shown its results when counting would have kept it waiting
  (carriers/search_results.py), with the page's sentences about it.

The same filters, sort and pages as /units/ and the same scope
(leasing.access); every answer, errors included, is JSON, with messages in
the user's language:

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
from carriers.search_results import ResultRow, SearchCounts, count_texts, search_page
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


def _filters(request: HttpRequest) -> UnitSearchFilter | JsonResponse:
    """The request's valid filters, or the JSON answer refusing it."""
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
    return filterset


def unit_search_json(request: HttpRequest) -> JsonResponse:
    filterset = _filters(request)
    if isinstance(filterset, JsonResponse):
        return filterset
    results = search_page(filterset, request.GET.get("page"))
    return JsonResponse(
        {
            "version": API_VERSION,
            "on": results.day.isoformat(),
            "sort": filterset.sort_key,
            "count": results.count,
            "page": results.number,
            "num_pages": results.num_pages,
            "per_page": results.per_page,
            "units": [_unit_json(row) for row in results.rows],
        },
        json_dumps_params={"ensure_ascii": False},
    )


def unit_count_json(request: HttpRequest) -> JsonResponse:
    filterset = _filters(request)
    if isinstance(filterset, JsonResponse):
        return filterset
    count = SearchCounts(filterset).total()
    try:
        page = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page = 1
    return JsonResponse(
        {
            "version": API_VERSION,
            "on": filterset.day.isoformat(),
            "count": count,
            "per_page": filterset.page_size,
            **count_texts(count, page, filterset.page_size),
        },
        json_dumps_params={"ensure_ascii": False},
    )

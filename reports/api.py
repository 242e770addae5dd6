"""GET /api/v1/occupancy/: the dashboard's figures as JSON, for integrations (docs/api.md).

Read-only, signed in with the site's session, through the same access rules as
the pages (leasing.access): a scope out of the user's reach is a 404 that looks
exactly like one that does not exist. Every answer, errors included, is JSON;
error messages are in the user's language.

    401  not signed in
    403  signed in as a company's user: the endpoint is for the carriers' side
    404  the scope is not one the user may read (or does not exist)
    400  a parameter is malformed: `message` says which and how
    405  anything but GET/HEAD
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from leasing.access import Scope
from leasing.json_api import json_error, staff_reader
from reports import labels, selectors
from reports.cache import FigureCache
from reports.forms import DashboardForm
from reports.selectors import Place

API_VERSION = 1
CODE = re.compile(r"[-A-Za-z0-9_]{1,50}")


class BadRequest(Exception):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _place(scope: Scope, text: str) -> Place:
    """district | carrier:<code> | building:<id> | floor:<id>, resolved in the user's scope."""
    level, _sep, ident = text.partition(":")
    if level == selectors.DISTRICT and not ident:
        return selectors.district(scope)
    if level == selectors.CARRIER and ident:
        # Codes are slugs; anything else (a NUL byte included) is a bad request,
        # never a database error.
        if not CODE.fullmatch(ident):
            raise BadRequest(_("A carrier code has letters, digits, - and _ only."), "scope")
        return selectors.carrier_place(scope, ident)
    if level in (selectors.BUILDING, selectors.FLOOR) and ident:
        if not ident.isdigit() or len(ident) > 18:
            raise BadRequest(
                _("The id after %(level)s: must be a number.") % {"level": level}, "scope"
            )
        if level == selectors.BUILDING:
            return selectors.building_place(scope, int(ident))
        return selectors.floor_place(scope, int(ident))
    raise BadRequest(
        _("scope must be district, carrier:<code>, building:<id> or floor:<id>; got %(value)s.")
        % {"value": repr(text)[:80]},
        "scope",
    )


def _figure_json(figure: Any, summary: Any) -> dict[str, Any]:
    out = figure.as_json()
    out["label"] = labels.label(figure.name)
    out["display"] = labels.display(figure)
    change = summary.mom.get(figure.name)
    out["month_on_month"] = None if change is None else str(change)
    change = summary.yoy.get(figure.name)
    out["year_on_year"] = None if change is None else str(change)
    return out


def _place_json(place: Place) -> dict[str, Any]:
    out: dict[str, Any] = {"level": place.level, "scope": place.api_scope, "name": place.name}
    if place.carrier is not None:
        out["carrier"] = {"code": place.carrier.code, "name": place.carrier.name}
    if place.building is not None:
        out["building"] = {"id": place.building.pk, "name": place.building.name}
    if place.floor is not None:
        out["floor"] = {"id": place.floor.pk, "label": place.floor.label}
    return out


def occupancy(request: HttpRequest) -> JsonResponse:
    scope = staff_reader(request)
    if isinstance(scope, JsonResponse):
        return scope
    cache = FigureCache()
    form = DashboardForm(request.GET, today=cache.today)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        message = _("%(field)s: %(message)s") % {"field": field, "message": errors[0]}
        return json_error(400, "bad_request", message, field=field)
    try:
        place = _place(scope, request.GET.get("scope", selectors.DISTRICT))
    except BadRequest as exc:
        return json_error(400, "bad_request", exc.message, field=exc.field)
    except Http404:
        return json_error(404, "not_found", _("No such scope, or not one you may read."))
    day: dt.date = form.day()
    filters = form.filters()
    summary = selectors.summary_for(place, day, filters, cache)
    return JsonResponse(
        {
            "version": API_VERSION,
            "language": get_language(),
            "scope": _place_json(place),
            "on": day.isoformat(),
            "period": [d.isoformat() for d in summary.period],
            "filters": filters.as_query(),
            "figures": [_figure_json(f, summary) for f in summary.figures.values()],
        },
        json_dumps_params={"ensure_ascii": False},
    )

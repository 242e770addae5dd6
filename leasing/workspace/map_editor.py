"""The managers' shape editor of a floor: draw where each unit lies on the plan.

GET shows the plan (or a blank sheet with a grid when the floor has none) and
the floor's units; static/floor_map.js lets the manager draw a rectangle or a
polygon for a unit, move its corners, redraw or clear it. Saving POSTs the
whole floor as one JSON document in the form field `shapes` (CSRF token as
any form): every shape is checked by carriers.shapes and all are written in
one transaction, or none (carriers.floor_map). A refused save re-renders the
editor with the reasons and with what the manager drew, so nothing is lost.

Only those who manage the floor's carrier (and the admin) may open it:
leadership, who read everything and change nothing, get a 403; anyone else a
404, as if the floor did not exist.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from carriers import shapes
from carriers.floor_map import (
    CANVAS_WIDTH,
    canvas_height,
    floor_shapes_save,
    parse_floor_shapes,
    plan_of,
    plan_url,
)
from carriers.models import Floor
from leasing.access import Scope, get_in_scope, request_scope

GRID_STEP = 50  # the blank sheet's grid lines, in canvas units


def _natural(code: str) -> tuple[Any, ...]:
    """Sort key that puts 2-101 before 2-1001, as the 租控表 does."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", code))


def _floor_to_change(scope: Scope, floor_id: int) -> Floor:
    if not scope.is_staff_side:
        raise Http404
    floor = get_in_scope(scope.floors().select_related("building__carrier"), pk=floor_id)
    scope.require_manager(floor.building.carrier_id)  # leadership: 403
    return floor


def _plan_page(floor: Floor) -> str:
    """The media helper's upload page for the plan, when it is there."""
    try:
        return reverse("workspace:floor_plan", args=[floor.pk])
    except NoReverseMatch:
        return ""


def _stored(raw: object) -> shapes.Shape | None:
    try:
        return shapes.validate_shape(raw) if raw is not None else None
    except ValidationError:
        return None  # written by hand somewhere and unreadable: draw it again


def _js_text() -> dict[str, str]:
    """The words floor_map.js shows, in the user's language (%(code)s: the unit)."""
    return {
        "select": _("Choose a unit in the list, or click its shape, to draw or adjust it."),
        "rect": _("Drag on the plan to draw unit %(code)s as a rectangle."),
        "polygon": _(
            "Click the corners of unit %(code)s in order; double-click, press Enter or click "
            "the first corner to close it. Esc cancels."
        ),
        "edit": _(
            "Drag a corner of unit %(code)s to adjust it, or drag the shape to move it. "
            "Redraw or clear it with the buttons above."
        ),
        "too_small": _("Too small to be a unit: drag a larger rectangle."),
        "too_few": _("A polygon needs at least 3 corners."),
        "drawn": _("drawn"),
        "undrawn": _("not drawn"),
        "placed": _("Undrawn units placed on a grid: adjust them, then save."),
    }


def _render(
    request: HttpRequest,
    scope: Scope,
    floor: Floor,
    *,
    errors: list[str] | None = None,
    draft: str | None = None,
) -> HttpResponse:
    units = sorted(
        scope.units().filter(floor=floor).only("pk", "code", "gross_area", "shape"),
        key=lambda u: _natural(u.code),
    )
    plan = plan_of(floor)
    background = plan_url(plan)
    height = canvas_height(plan if background else None)
    stored = {unit.pk: _stored(unit.shape) for unit in units}
    undrawn = [(unit.pk, unit.gross_area) for unit in units if stored[unit.pk] is None]
    suggested = shapes.grid_layout(undrawn, aspect=CANVAS_WIDTH / height)
    data = {
        "canvas": {"width": CANVAS_WIDTH, "height": height},
        "units": [
            {
                "id": unit.pk,
                "code": unit.code,
                "area": f"{unit.gross_area.normalize():f}",
                "shape": stored[unit.pk],
            }
            for unit in units
        ],
        "suggested": {str(pk): shape for pk, shape in suggested.items()},
        "draft": draft,
        "text": _js_text(),
    }
    carrier = floor.building.carrier
    return render(
        request,
        "leasing/workspace/floor_map.html",
        {
            "floor": floor,
            "carrier": carrier,
            "units": units,
            "drawn": stored,
            "data": data,
            "canvas_width": CANVAS_WIDTH,
            "canvas_height": height,
            "background": background,
            "has_plan": plan is not None,
            "grid_x": range(GRID_STEP, CANVAS_WIDTH, GRID_STEP),
            "grid_y": range(GRID_STEP, height, GRID_STEP),
            "errors": errors or [],
            "plan_page": _plan_page(floor),
            "floor_page": reverse("dashboard:floor", args=[carrier.code, floor.pk]),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def floor_map(request: HttpRequest, floor_id: int) -> HttpResponse:
    scope = request_scope(request)
    floor = _floor_to_change(scope, floor_id)
    if request.method != "POST":
        return _render(request, scope, floor)
    text = request.POST.get("shapes", "")
    try:
        units = scope.units().filter(floor=floor).only("pk", "code")
        changed = floor_shapes_save(floor=floor, shapes=parse_floor_shapes(text, units))
    except ValidationError as exc:
        # Shown like every refused form of the workspace: the page again, with the reasons.
        return _render(request, scope, floor, errors=exc.messages, draft=text)
    messages.success(
        request,
        ngettext("Shapes saved: %(n)s unit changed.", "Shapes saved: %(n)s units changed.", changed)
        % {"n": changed},
    )
    return redirect("workspace:floor_map", floor_id=floor.pk)

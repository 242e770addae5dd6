"""A floor's map: the canvas it is drawn on, and saving the units' shapes.

The canvas is the floor plan when there is one, else a blank sheet of the
default proportions; either way it is CANVAS_WIDTH user units wide in SVG, so
text and strokes have one size on every floor whatever the plan's resolution.

The editor posts one JSON object for the floor, unit id → shape (or null to
clear it). Every entry is checked (carriers/shapes.py) before anything is
written, and all are written in one transaction: a floor's map is saved whole
or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carriers.models import Floor, FloorPlan, Unit
from carriers.shapes import Shape, validate_shape

MAX_ERRORS = 20  # enough to fix a batch; a page of the same error helps nobody
CANVAS_WIDTH = 1000
SHEET_HEIGHT = 625  # a floor with no plan is drawn on a 16:10 sheet
MAX_CANVAS_HEIGHT = 4 * CANVAS_WIDTH  # a very tall plan still fits a page


def plan_of(floor: Floor) -> FloorPlan | None:
    """The floor's plan, or None (one query; never the reverse accessor's exception)."""
    return FloorPlan.objects.filter(floor=floor).first()


def canvas_height(plan: FloorPlan | None) -> int:
    """The canvas's height for CANVAS_WIDTH: the plan's proportions, or the sheet's."""
    if plan is None or not plan.width or not plan.height:
        return SHEET_HEIGHT
    return max(1, min(MAX_CANVAS_HEIGHT, round(CANVAS_WIDTH * plan.height / plan.width)))


def plan_url(plan: FloorPlan | None, size: str = "large") -> str:
    """The plan's scoped download URL (carriers/media_views.py checks who asks), or ""."""
    if plan is None or not plan.image:
        return ""
    file_url = getattr(plan, "file_url", None)
    return file_url(size) if callable(file_url) else ""


def parse_floor_shapes(text: str, units: Iterable[Unit]) -> dict[int, Shape | None]:
    """unit id → validated shape (None: clear it), from the posted JSON text.

    `units` are the floor's units. An id that is not one of them is refused
    with the same words whether it exists elsewhere or not. All problems are
    reported at once, each naming its unit, as one ValidationError.
    """
    try:
        data: Any = json.loads(text)
    except (TypeError, ValueError):
        raise ValidationError(
            _("The shapes sent could not be read (not valid JSON). Nothing was saved."),
            code="bad_json",
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            _("The shapes sent must be an object of unit ids and shapes. Nothing was saved."),
            code="not_an_object",
        )
    by_id = {unit.pk: unit for unit in units}
    shapes: dict[int, Shape | None] = {}
    errors: list[str] = []
    for key, raw in data.items():
        # isascii(): "²".isdigit() is true too, and int("²") raises.
        unit_id = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else None
        unit = by_id.get(unit_id) if unit_id is not None else None
        if unit is None:
            errors.append(_("Unit #%(id)s is not on this floor.") % {"id": str(key)[:24]})
            continue
        if raw is None:
            shapes[unit.pk] = None
            continue
        try:
            shapes[unit.pk] = validate_shape(raw)
        except ValidationError as exc:
            errors.extend(
                _("Unit %(code)s: %(error)s") % {"code": unit.code, "error": message}
                for message in exc.messages
            )
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(_("… and %(n)s more.") % {"n": len(errors) - MAX_ERRORS})
        shown.append(_("Nothing was saved."))
        raise ValidationError(shown, code="bad_shapes")
    return shapes


def floor_shapes_save(*, floor: Floor, shapes: Mapping[int, Shape | None]) -> int:
    """Write the shapes of the floor's units; returns how many units changed."""
    if not shapes:
        return 0
    with transaction.atomic():
        # Lock the rows in id order, as every writer does, so two managers saving
        # the same floor at once queue up instead of deadlocking.
        units = list(
            Unit.objects.select_for_update()
            .filter(floor=floor, pk__in=list(shapes))
            .order_by("pk")
            .only("pk", "shape")
        )
        if len(units) != len(shapes):
            # A unit moved to another floor or deleted since the page was read.
            raise ValidationError(
                _("A unit of this floor changed meanwhile. Reload the page; nothing was saved."),
                code="stale",
            )
        changed = [unit for unit in units if unit.shape != shapes[unit.pk]]
        for unit in changed:
            unit.shape = shapes[unit.pk]
        Unit.objects.bulk_update(changed, ["shape"])
    return len(changed)

"""The floor page's map: the plan with each unit's shape coloured by its status.

Built from the floor's 租控表 cells (reports.selectors.rent_grid: status, tenant
and lease end on the date asked for, in one query) plus two small queries, the
plan and the units' shapes, so the page's query count does not grow with the
floor. Drawn server-side as SVG (reports/partials/floor_map.html); colours are
the status-* classes of the grid, so the map, the grid and their legend agree.

What goes where:

- units with a shape are drawn where they were drawn, on the plan, or on a
  blank sheet when the floor has none;
- units nobody has drawn yet are laid out on the automatic grid
  (carriers.shapes.grid_layout): over the whole canvas when the floor has no
  plan and no shapes at all, else in a strip of their own under the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from carriers import shapes
from carriers.floor_map import CANVAS_WIDTH, canvas_height, plan_of, plan_url
from reports.selectors import Grid, GridCell, Place

# Below this width (in canvas units) a shape gets the small label.
NARROW = 70


@dataclass(frozen=True)
class MapShape:
    cell: GridCell  # code, status, tenant, hover text and link
    points: str  # the SVG polygon's points on its canvas
    label_x: str
    label_y: str
    narrow: bool  # too narrow for the full-size label


@dataclass
class Canvas:
    width: int
    height: int
    background: str = ""  # the plan's URL; "" for a blank sheet
    shapes: list[MapShape] = field(default_factory=list)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


@dataclass
class FloorMap:
    canvas: Canvas | None  # the plan (or sheet) with the drawn units, or the whole grid;
    # None: no plan and no units, nothing to draw
    unplaced: Canvas | None  # undrawn units, under the plan
    has_plan: bool
    drawn: int  # units with a shape
    total: int


def _shape(cell: GridCell, shape: shapes.Shape, width: int, height: int) -> MapShape:
    cx, cy = shapes.centre(shape)
    left, _top, right, _bottom = shapes.bounds(shape)
    return MapShape(
        cell=cell,
        points=shapes.svg_points(shape, width, height),
        label_x=f"{cx * width:.1f}",
        label_y=f"{cy * height:.1f}",
        narrow=(right - left) * width < NARROW,
    )


def _grid_canvas(cells: list[GridCell]) -> Canvas | None:
    if not cells:
        return None
    height, rows = shapes.grid_canvas(len(cells), CANVAS_WIDTH)
    layout = shapes.grid_layout(
        [(cell.pk, cell.area) for cell in cells], aspect=CANVAS_WIDTH / height, rows=rows
    )
    canvas = Canvas(CANVAS_WIDTH, height)
    canvas.shapes = [_shape(cell, layout[cell.pk], CANVAS_WIDTH, height) for cell in cells]
    return canvas


def _stored_shape(raw: object) -> shapes.Shape | None:
    """A stored shape, checked again: one written by hand in the admin or the
    database must not break the page; such a unit counts as undrawn."""
    if raw is None:
        return None
    try:
        return shapes.validate_shape(raw)
    except ValidationError:
        return None


def floor_map(place: Place, grid: Grid) -> FloorMap:
    """The map of the floor of `place`, from its grid on the same date (2 queries)."""
    cells = [cell for building in grid.buildings for f in building.floors for cell in f.cells]
    stored = dict(place.units().filter(floor=place.floor).values_list("pk", "shape"))
    plan = plan_of(place.floor)
    background = plan_url(plan)
    checked = {cell.pk: _stored_shape(stored.get(cell.pk)) for cell in cells}
    drawn = [(cell, shape) for cell in cells if (shape := checked[cell.pk]) is not None]
    undrawn = [cell for cell in cells if checked[cell.pk] is None]
    has_plan = bool(background)
    if not has_plan and not drawn:
        return FloorMap(_grid_canvas(cells), None, False, 0, len(cells))
    height = canvas_height(plan if has_plan else None)
    canvas = Canvas(CANVAS_WIDTH, height, background)
    canvas.shapes = [_shape(cell, shape, CANVAS_WIDTH, height) for cell, shape in drawn]
    return FloorMap(
        canvas, _grid_canvas(undrawn) if undrawn else None, has_plan, len(drawn), len(cells)
    )

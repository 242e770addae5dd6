"""Where a unit lies on its floor's plan: validating, normalising and laying out shapes.

A shape is stored on `Unit.shape` as JSON::

    {"kind": "rect", "points": [[x0, y0], [x1, y1]]}
    {"kind": "polygon", "points": [[x, y], [x, y], [x, y], ...]}

x and y are fractions (0..1) of the plan's width and height, measured from its
top-left corner, so a plan uploaded again at another resolution keeps every
shape where it was.

The decisions, in one place:

- A rectangle is upright (sides parallel to the plan's edges). It may be given
  as two opposite corners, in any order, or as its four corners, in any order;
  it is always stored as two points, top-left then bottom-right. Anything
  slanted is a polygon.
- A polygon has 3 to 64 corners, drawn in order, not repeating the first at the
  end. A closing point equal to the first, and a point equal to the one before
  it (a double click), are dropped rather than refused; then the polygon must
  still have 3 corners, enclose some area and not cross itself.
- Every coordinate is a JSON number from 0 to 1 inclusive, rounded to 6
  decimals (a hundredth of a pixel on a 10,000 px plan) so that equal shapes
  compare equal.

A floor without a plan, or units nobody has drawn yet, get an automatic layout
(`grid_layout`): rows of rectangles in the units' order, each unit's width in
its row and each row's height proportional to floor area, so a big unit looks
big. The same units always get the same layout.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RECT, POLYGON = "rect", "polygon"
KINDS = (RECT, POLYGON)
MIN_POLYGON_POINTS = 3
MAX_POLYGON_POINTS = 64
DECIMALS = 6
# Smaller than this share of the plan (about 10 px² on a 1,000 px plan) is no
# room at all: a slip of the mouse, or points on one line.
MIN_AREA = 1e-5

Shape = dict[str, Any]
Point = tuple[float, float]
K = TypeVar("K", bound=Hashable)


# --- validating -------------------------------------------------------------------------


def validate_shape(data: object) -> Shape:
    """The shape as stored, or ValidationError with a message for the person who drew it."""
    if not isinstance(data, dict) or "kind" not in data or "points" not in data:
        raise ValidationError(
            _("A shape must be an object with a kind and a list of points."), code="not_a_shape"
        )
    extra = sorted(str(key) for key in data if key not in ("kind", "points"))
    if extra:
        raise ValidationError(
            _("A shape has only a kind and points; unexpected: %(keys)s.")
            % {"keys": ", ".join(extra)},
            code="extra_keys",
        )
    kind = data["kind"]
    if kind not in KINDS:
        raise ValidationError(
            _("Unknown kind of shape “%(kind)s”: use rect or polygon.") % {"kind": kind},
            code="bad_kind",
        )
    points = _points(data["points"])
    if kind == RECT:
        return _rect(points)
    return _polygon(points)


def _number(value: object) -> float | None:
    # bool is an int to Python, never a coordinate to a person.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _points(raw: object) -> list[Point]:
    if not isinstance(raw, list | tuple) or not raw:
        raise ValidationError(
            _("A shape's points must be a list of [x, y] pairs."), code="bad_points"
        )
    if len(raw) > MAX_POLYGON_POINTS + 1:  # +1: a closing point repeating the first
        raise ValidationError(
            _("A shape may have at most %(max)s points.") % {"max": MAX_POLYGON_POINTS},
            code="too_many_points",
        )
    points = []
    for n, pair in enumerate(raw, start=1):
        xy = (
            [_number(v) for v in pair]
            if isinstance(pair, list | tuple) and len(pair) == 2
            else [None]
        )
        if None in xy:
            raise ValidationError(
                _("Point %(n)s is not a pair of numbers [x, y].") % {"n": n}, code="bad_point"
            )
        x, y = xy
        if not (0 <= x <= 1 and 0 <= y <= 1):
            raise ValidationError(
                _("Point %(n)s lies outside the plan: x and y run from 0 to 1.") % {"n": n},
                code="out_of_bounds",
            )
        points.append((round(x, DECIMALS), round(y, DECIMALS)))
    return points


def _no_area() -> ValidationError:
    return ValidationError(
        _("The shape encloses no area: its points lie on top of each other or on one line."),
        code="degenerate",
    )


def _rect(points: list[Point]) -> Shape:
    xs, ys = sorted({x for x, _y in points}), sorted({y for _x, y in points})
    if len(points) == 4:
        corners = {(x, y) for x in xs for y in ys}
        if len(xs) != 2 or len(ys) != 2 or set(points) != corners:
            raise ValidationError(
                _("These 4 points are not the corners of an upright rectangle."),
                code="not_a_rect",
            )
    elif len(points) != 2:
        raise ValidationError(
            _("A rectangle is given by 2 opposite corners or by its 4 corners."),
            code="rect_points",
        )
    if len(xs) != 2 or len(ys) != 2 or (xs[1] - xs[0]) * (ys[1] - ys[0]) < MIN_AREA:
        raise _no_area()
    return {"kind": RECT, "points": [[xs[0], ys[0]], [xs[1], ys[1]]]}


def _polygon(points: list[Point]) -> Shape:
    kept: list[Point] = []
    for point in points:
        if not kept or point != kept[-1]:
            kept.append(point)
    if len(kept) > 1 and kept[-1] == kept[0]:
        kept.pop()
    if len(kept) < MIN_POLYGON_POINTS:
        raise ValidationError(
            _("A polygon needs at least %(min)s different points.") % {"min": MIN_POLYGON_POINTS},
            code="too_few_points",
        )
    if len(kept) > MAX_POLYGON_POINTS:
        raise ValidationError(
            _("A shape may have at most %(max)s points.") % {"max": MAX_POLYGON_POINTS},
            code="too_many_points",
        )
    crosses = _crosses_itself(kept)
    # A figure of eight also sums to no area: say what is wrong with it.
    if abs(signed_area(kept)) < MIN_AREA and (not crosses or _on_one_line(kept)):
        raise _no_area()
    if crosses:
        raise ValidationError(
            _("The polygon's edges cross each other: draw its outline in order."),
            code="self_intersecting",
        )
    return {"kind": POLYGON, "points": [[x, y] for x, y in kept]}


def _orientation(a: Point, b: Point, c: Point) -> int:
    cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return 0 if abs(cross) < 1e-15 else (1 if cross > 0 else -1)


def _on_segment(a: Point, b: Point, p: Point) -> bool:
    return min(a[0], b[0]) <= p[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= p[1] <= max(a[1], b[1])


def _segments_meet(a: Point, b: Point, c: Point, d: Point) -> bool:
    o1, o2, o3, o4 = (
        _orientation(a, b, c),
        _orientation(a, b, d),
        _orientation(c, d, a),
        _orientation(c, d, b),
    )
    if o1 != o2 and o3 != o4:
        return True
    return (
        (o1 == 0 and _on_segment(a, b, c))
        or (o2 == 0 and _on_segment(a, b, d))
        or (o3 == 0 and _on_segment(c, d, a))
        or (o4 == 0 and _on_segment(c, d, b))
    )


def _on_one_line(points: list[Point]) -> bool:
    first = points[0]
    other = next((p for p in points if p != first), first)
    return all(_orientation(first, other, p) == 0 for p in points)


def _folds_back(a: Point, b: Point, c: Point) -> bool:
    """Whether the edge b→c runs back along a→b (a spike with no width)."""
    if _orientation(a, b, c) != 0:
        return False
    return (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0


def _crosses_itself(points: list[Point]) -> bool:
    """Whether two edges touch anywhere but at the corner they share (64² / 2 pairs at most)."""
    n = len(points)
    for i in range(n):
        if _folds_back(points[i - 1], points[i], points[(i + 1) % n]):
            return True
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue  # neighbours across the closing corner, checked above
            a, b = points[i], points[(i + 1) % n]
            c, d = points[j], points[(j + 1) % n]
            if _segments_meet(a, b, c, d):
                return True
    return False


# --- geometry for drawing -----------------------------------------------------------------


def corners(shape: Shape) -> list[Point]:
    """The outline's corners in drawing order (a rectangle's four, clockwise)."""
    points = [(float(x), float(y)) for x, y in shape["points"]]
    if shape["kind"] == RECT:
        (x0, y0), (x1, y1) = points
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return points


def signed_area(points: Sequence[Point]) -> float:
    """The shoelace formula; the sign says which way round the points go."""
    n = len(points)
    return (
        sum(
            points[i][0] * points[(i + 1) % n][1] - points[(i + 1) % n][0] * points[i][1]
            for i in range(n)
        )
        / 2
    )


def centre(shape: Shape) -> Point:
    """Where to write the unit's code: the outline's centroid (its corners' mean if flat)."""
    points = corners(shape)
    area = signed_area(points)
    if abs(area) < 1e-12:
        return (
            sum(x for x, _y in points) / len(points),
            sum(y for _x, y in points) / len(points),
        )
    n = len(points)
    cx = cy = 0.0
    for i in range(n):
        (x0, y0), (x1, y1) = points[i], points[(i + 1) % n]
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return cx / (6 * area), cy / (6 * area)


def bounds(shape: Shape) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the shape, in fractions."""
    points = corners(shape)
    xs, ys = [x for x, _y in points], [y for _x, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def svg_points(shape: Shape, width: float, height: float) -> str:
    """The `points` attribute of an SVG <polygon> for a canvas of width × height."""
    return " ".join(f"{_num(x * width)},{_num(y * height)}" for x, y in corners(shape))


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


# --- the automatic layout -----------------------------------------------------------------


def grid_layout(
    units: Sequence[tuple[K, Decimal | float | int]],
    *,
    aspect: float = 1.6,
    gap: float = 0.012,
    rows: int | None = None,
) -> dict[K, Shape]:
    """Rectangles for `units` ((key, area) in the order wanted) on a canvas `aspect`
    times as wide as it is high.

    Rows of about equal total area, filled in order; within a row each unit's
    width, and across rows each row's height, is proportional to area, so every
    unit's share of the canvas is its share of the floor. A unit smaller than a
    quarter of the average counts as a quarter, so it stays big enough to find
    and click. `gap` is the space between neighbours, as a share of the width.
    `rows` fixes the number of rows (else about as many as make square cells).
    """
    if not units:
        return {}
    if aspect <= 0 or not math.isfinite(aspect):
        raise ValueError(f"aspect must be a positive number, not {aspect!r}")
    areas = [max(float(area), 0.0) for _key, area in units]
    mean = sum(areas) / len(areas) or 1.0
    weights = [max(area, mean / 4) for area in areas]
    total = sum(weights)
    n_rows = rows or round(math.sqrt(len(units) / aspect))
    n_rows = max(1, min(len(units), n_rows))
    target = total / n_rows

    filled: list[list[int]] = [[] for _ in range(n_rows)]
    cumulative = 0.0
    for i, weight in enumerate(weights):
        # By where the unit's middle falls: rows fill in order and stay balanced.
        filled[min(n_rows - 1, int((cumulative + weight / 2) / target))].append(i)
        cumulative += weight

    gap_x, gap_y = gap, gap * aspect  # the same gap in pixels both ways
    out: dict[K, Shape] = {}
    top = 0.0
    for row in (row for row in filled if row):
        row_weight = sum(weights[i] for i in row)
        height = row_weight / total
        left = 0.0
        for i in row:
            width = weights[i] / row_weight
            x0, y0 = left + gap_x / 2, top + gap_y / 2
            x1, y1 = left + width - gap_x / 2, top + height - gap_y / 2
            if x1 <= x0 or y1 <= y0:  # too thin for the gap: no gap rather than nothing
                x0, y0, x1, y1 = left, top, left + width, top + height
            out[units[i][0]] = {
                "kind": RECT,
                "points": [
                    [round(x0, DECIMALS), round(y0, DECIMALS)],
                    [round(min(x1, 1.0), DECIMALS), round(min(y1, 1.0), DECIMALS)],
                ],
            }
            left += width
        top += height
    return out


def grid_canvas(count: int, width: int = 1000) -> tuple[int, int]:
    """(height, rows) of a canvas `width` wide for `count` units on the automatic grid.

    About as many columns as √(2 × count), cells a little wider than high and
    at most 180 units high, so a floor of three units is one short strip, not
    three towers.
    """
    if count <= 0:
        return 0, 0
    columns = min(count, max(1, math.ceil(math.sqrt(count * 2))))
    rows = math.ceil(count / columns)
    cell_height = min(180.0, width / columns / 1.3)
    return max(1, round(rows * cell_height)), rows

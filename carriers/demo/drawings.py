"""Pictures for the demo zone, drawn with Pillow: floor plans, unit photos, carrier covers.

A floor plan is laid out like a typical Kunshan R&D building's floor plate: a
core (stairs and lifts) at one end, a corridor down the middle, and the units
in two rows on either side of it. Every unit is a rectangle of its row's depth
and a width making its area on the drawing proportional to its gross area, so
a 400 m² lab is twice as wide as a 200 m² office on the same floor.
`layout_floor` says where each unit lies, as fractions of the picture's width
and height: the same numbers become the units' `shape` (carriers/shapes.py).

Labels are in ASCII (unit codes, areas): Pillow's bundled font has no Chinese.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

PLAN_WIDTH = 1280  # px: the large thumbnail's size, so it needs no resampling
MARGIN = 36
TITLE = 44
CORRIDOR_M = 3.0
CORE_MIN_M = 8.0
ASPECT = 2.2  # floor plate length ÷ depth, before the core

# Grey, as plans drawn in CAD come: the floor map colours units by status over it.
KIND_FILL = {
    "office": 255,
    "coworking": 250,
    "lab": 244,
    "cleanroom": 240,
    "workshop": 236,
    "warehouse": 232,
}
COMMON_FILL = 222
CORE_FILL = 208
CORRIDOR_FILL = 248
INK = 51
FAINT = 150
WALL = 30

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PlannedUnit:
    code: str
    area: float  # gross m²
    kind: str
    leasable: bool


@dataclass(frozen=True)
class PlanLayout:
    width: int
    height: int
    metres: float  # px per metre
    outline: Box  # the floor plate, px
    core: Box
    corridor: Box
    rects: dict[str, Box]  # unit code -> px

    def shape(self, code: str) -> dict[str, object]:
        """The unit's rectangle as a Unit.shape, in fractions of the picture."""
        x0, y0, x1, y1 = self.rects[code]
        return {
            "kind": "rect",
            "points": [
                [round(x0 / self.width, 6), round(y0 / self.height, 6)],
                [round(x1 / self.width, 6), round(y1 / self.height, 6)],
            ],
        }


def _rows(units: Sequence[PlannedUnit]) -> tuple[list[PlannedUnit], list[PlannedUnit]]:
    """Two rows in the units' order, split where the area is halved."""
    total = sum(u.area for u in units)
    first: list[PlannedUnit] = []
    running = 0.0
    for unit in units:
        if running + unit.area / 2 <= total / 2 or not first:
            first.append(unit)
            running += unit.area
        else:
            break
    second = list(units[len(first) :])
    return first, second


def layout_floor(units: Sequence[PlannedUnit], width: int = PLAN_WIDTH) -> PlanLayout:
    """Where each unit lies on the drawing of its floor (at least one unit)."""
    total = sum(u.area for u in units)
    # Depth of a row (m) such that the plate is about ASPECT times as long as deep:
    # (total / 2) / depth = ASPECT * (2 * depth + corridor).
    a, b = 2 * ASPECT, ASPECT * CORRIDOR_M
    depth = (-b + math.sqrt(b * b + 2 * a * total)) / (2 * a)
    top_row, bottom_row = _rows(units)
    length = max(sum(u.area for u in row) for row in (top_row, bottom_row)) / depth
    core = max(CORE_MIN_M, 0.08 * length)
    plate = core + length
    scale = (width - 2 * MARGIN) / plate
    height = round(TITLE + 2 * MARGIN + (2 * depth + CORRIDOR_M) * scale)
    left, top = MARGIN, TITLE + MARGIN
    right, bottom = width - MARGIN, height - MARGIN
    core_box = (left, top, left + core * scale, bottom)
    corridor_top = top + depth * scale
    corridor = (left + core * scale, corridor_top, right, corridor_top + CORRIDOR_M * scale)
    rects: dict[str, Box] = {}
    for row, y0, y1 in ((top_row, top, corridor[1]), (bottom_row, corridor[3], bottom)):
        x = left + core * scale
        for unit in row:
            w = unit.area / depth * scale
            rects[unit.code] = (x, y0, min(x + w, right), y1)
            x += w
    return PlanLayout(width, height, scale, (left, top, right, bottom), core_box, corridor, rects)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size)


def draw_plan(units: Sequence[PlannedUnit], title: str) -> tuple[bytes, PlanLayout]:
    """A greyscale PNG of the floor, and the layout it follows."""
    layout = layout_floor(units)
    image = Image.new("L", (layout.width, layout.height), 255)
    draw = ImageDraw.Draw(image)
    small = _font(12)
    draw.text((MARGIN, 12), title, fill=INK, font=_font(20))
    draw.rectangle(layout.outline, fill=COMMON_FILL)
    draw.rectangle(layout.corridor, fill=CORRIDOR_FILL)
    _core(draw, layout.core)
    by_code = {u.code: u for u in units}
    for code, box in layout.rects.items():
        unit = by_code[code]
        fill = KIND_FILL.get(unit.kind, KIND_FILL["office"]) if unit.leasable else COMMON_FILL
        draw.rectangle(box, fill=fill, outline=INK, width=2)
        _door(draw, box, below=box[1] < layout.corridor[1])
        _label(draw, box, code, small)
    draw.rectangle(layout.outline, outline=WALL, width=5)
    _scale_bar(draw, layout, small)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue(), layout


def _core(draw: ImageDraw.ImageDraw, box: Box) -> None:
    """Stairs (treads) above, two lifts (crossed boxes) below."""
    x0, y0, x1, y1 = box
    draw.rectangle(box, fill=CORE_FILL, outline=INK, width=2)
    mid = (y0 + y1) / 2
    step = max(6.0, (mid - y0) / 10)
    y = y0 + step
    while y < mid - 4:
        draw.line((x0 + 6, y, x1 - 6, y), fill=FAINT, width=1)
        y += step
    lift_w = (x1 - x0 - 18) / 2
    for i in range(2):
        lx = x0 + 6 + i * (lift_w + 6)
        lift = (lx, mid + 8, lx + lift_w, min(y1 - 6, mid + 8 + lift_w * 1.2))
        draw.rectangle(lift, outline=INK, width=1)
        draw.line(lift, fill=FAINT)
        draw.line((lift[0], lift[3], lift[2], lift[1]), fill=FAINT)


def _door(draw: ImageDraw.ImageDraw, box: Box, *, below: bool) -> None:
    """A gap in the wall on the corridor side."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 20:
        return
    y = y1 if below else y0
    draw.line((x0 + 6, y, x0 + 6 + min(24, (x1 - x0) / 3), y), fill=CORRIDOR_FILL, width=3)


def _label(
    draw: ImageDraw.ImageDraw,
    box: Box,
    code: str,
    small: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    # The room number in the corner, as architects letter it: the centre is
    # where the floor map writes its own label (code, area, tenant) over the plan.
    x0, y0, x1, _ = box
    if draw.textlength(code, font=small) + 10 <= x1 - x0:
        draw.text((x0 + 5, y0 + 5), code, fill=INK, font=small, anchor="la")


def _scale_bar(
    draw: ImageDraw.ImageDraw,
    layout: PlanLayout,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
) -> None:
    metres = 10 if layout.metres * 10 < 200 else 5
    x1 = layout.width - MARGIN
    x0 = x1 - metres * layout.metres
    y = 24
    draw.line((x0, y, x1, y), fill=INK, width=3)
    draw.line((x0, y - 5, x0, y + 5), fill=INK, width=2)
    draw.line((x1, y - 5, x1, y + 5), fill=INK, width=2)
    draw.text((x0 - 8, y), f"{metres} m", fill=INK, font=font, anchor="rm")


# --- photos and covers ----------------------------------------------------------------------

PHOTO_SIZE = (960, 640)
COVER_SIZE = (1600, 900)
WALLS = {
    "office": ((236, 232, 224), (180, 150, 115)),
    "coworking": ((232, 238, 230), (160, 130, 100)),
    "lab": ((238, 242, 245), (200, 205, 210)),
    "cleanroom": ((245, 248, 250), (215, 220, 225)),
    "workshop": ((215, 215, 210), (140, 140, 140)),
    "warehouse": ((210, 205, 195), (150, 145, 135)),
}


def draw_unit_photo(kind: str, rng: random.Random) -> bytes:
    """A JPEG of a furnished room seen from the door: walls, a window, furniture."""
    w, h = PHOTO_SIZE
    wall, floor = WALLS.get(kind, WALLS["office"])
    image = Image.new("RGB", PHOTO_SIZE, wall)
    draw = ImageDraw.Draw(image)
    # The back wall and the floor in one-point perspective.
    bx0, by0, bx1, by1 = w * 0.25, h * 0.18, w * 0.75, h * 0.62
    draw.polygon([(0, h), (w, h), (bx1, by1), (bx0, by1)], fill=floor)
    draw.polygon([(0, 0), (bx0, by0), (bx0, by1), (0, h)], fill=_shade(wall, 0.92))
    draw.polygon([(w, 0), (bx1, by0), (bx1, by1), (w, h)], fill=_shade(wall, 0.86))
    draw.polygon([(0, 0), (w, 0), (bx1, by0), (bx0, by0)], fill=_shade(wall, 1.04))
    # A window on the back wall, sky seen through it.
    wx0 = bx0 + (bx1 - bx0) * rng.uniform(0.1, 0.3)
    wx1 = bx1 - (bx1 - bx0) * rng.uniform(0.1, 0.3)
    draw.rectangle(
        (wx0, by0 + 30, wx1, by1 - 60), fill=(178, 210, 236), outline=(90, 90, 90), width=4
    )
    draw.line(((wx0 + wx1) / 2, by0 + 30, (wx0 + wx1) / 2, by1 - 60), fill=(90, 90, 90), width=3)
    # Ceiling lights.
    for i in range(3):
        y = h * (0.04 + 0.05 * i)
        half = w * (0.18 - 0.04 * i)
        draw.rectangle((w / 2 - half, y, w / 2 + half, y + 10 - 2 * i), fill=(255, 255, 245))
    # Desks or benches, nearer ones bigger.
    tone = (250, 250, 250) if kind in ("lab", "cleanroom") else (200, 170, 130)
    for row in range(3):
        t = 0.35 + 0.22 * row
        y = by1 + (h - by1) * t
        depth = 18 + 30 * t
        for col in range(rng.randint(2, 3)):
            span = (w * 0.6) * (0.5 + t) / 3
            x = w / 2 + (col - 1) * span * 1.2 - span / 2 + rng.uniform(-10, 10)
            draw.rectangle((x, y, x + span, y + depth), fill=tone, outline=(90, 80, 70), width=2)
            draw.rectangle(
                (x + span * 0.4, y - depth * 1.4, x + span * 0.6, y), fill=(60, 60, 65)
            )  # a screen or a fume hood
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def draw_cover(code: str, rng: random.Random) -> bytes:
    """A JPEG of the carrier's building against the sky: glass towers with window grids."""
    w, h = COVER_SIZE
    image = Image.new("RGB", COVER_SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(0, h, 4):  # the sky, lighter towards the horizon
        t = y / h
        draw.rectangle((0, y, w, y + 4), fill=(int(110 + 110 * t), int(160 + 70 * t), 235))
    ground = h * 0.82
    draw.rectangle((0, ground, w, h), fill=(120, 140, 110))
    x = w * 0.08
    while x < w * 0.9:
        bw = rng.uniform(w * 0.12, w * 0.22)
        top = rng.uniform(h * 0.12, h * 0.45)
        glass = (rng.randint(70, 110), rng.randint(120, 150), rng.randint(160, 190))
        draw.rectangle((x, top, x + bw, ground), fill=glass, outline=(50, 60, 70), width=3)
        for wy in range(int(top) + 14, int(ground) - 10, 22):
            for wx in range(int(x) + 10, int(x + bw) - 14, 26):
                lit = rng.random() < 0.25
                draw.rectangle(
                    (wx, wy, wx + 16, wy + 12),
                    fill=(235, 230, 200) if lit else _shade(glass, 1.25),
                )
        x += bw + rng.uniform(w * 0.02, w * 0.06)
    draw.text((40, h - 60), code.upper(), fill="white", font=_font(40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, round(c * factor))) for c in color)  # type: ignore[return-value]

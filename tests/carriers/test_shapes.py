"""Unit shapes on a floor plan: what is accepted, how it is stored, the automatic grid."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from carriers import shapes
from carriers.shapes import grid_canvas, grid_layout, validate_shape


def refused(data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_shape(data)
    return caught.value


# --- rectangles -------------------------------------------------------------------------


def test_it_stores_a_rectangle_as_its_top_left_and_bottom_right_corners() -> None:
    for given in (
        [[0.1, 0.2], [0.5, 0.6]],
        [[0.5, 0.6], [0.1, 0.2]],
        [[0.1, 0.6], [0.5, 0.2]],  # the other diagonal
    ):
        assert validate_shape({"kind": "rect", "points": given}) == {
            "kind": "rect",
            "points": [[0.1, 0.2], [0.5, 0.6]],
        }


def test_it_takes_a_rectangles_four_corners_in_any_order() -> None:
    corners = [[0.5, 0.2], [0.1, 0.6], [0.1, 0.2], [0.5, 0.6]]
    assert validate_shape({"kind": "rect", "points": corners}) == {
        "kind": "rect",
        "points": [[0.1, 0.2], [0.5, 0.6]],
    }


def test_it_refuses_four_points_that_are_not_an_upright_rectangle() -> None:
    slanted = [[0.2, 0.1], [0.5, 0.2], [0.4, 0.5], [0.1, 0.4]]
    assert refused({"kind": "rect", "points": slanted}).code == "not_a_rect"
    repeated = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.5, 0.5]]
    assert refused({"kind": "rect", "points": repeated}).code == "not_a_rect"


@pytest.mark.parametrize("count", [1, 3, 5])
def test_it_refuses_a_rectangle_of_another_number_of_points(count: int) -> None:
    points = [[0.1 * i, 0.05 * i] for i in range(1, count + 1)]
    assert refused({"kind": "rect", "points": points}).code == "rect_points"


@pytest.mark.parametrize(
    "points",
    [
        [[0.3, 0.3], [0.3, 0.3]],  # a dot
        [[0.1, 0.3], [0.6, 0.3]],  # a line
        [[0.1, 0.1], [0.101, 0.101]],  # a slip of the mouse
    ],
)
def test_it_refuses_a_rectangle_with_no_area(points: list[list[float]]) -> None:
    assert refused({"kind": "rect", "points": points}).code == "degenerate"


# --- polygons ---------------------------------------------------------------------------


L_SHAPE = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.3], [0.3, 0.3], [0.3, 0.5], [0.1, 0.5]]


def test_it_keeps_a_polygons_corners_in_the_order_drawn() -> None:
    assert validate_shape({"kind": "polygon", "points": L_SHAPE}) == {
        "kind": "polygon",
        "points": L_SHAPE,
    }


def test_it_drops_a_closing_point_and_repeated_clicks() -> None:
    drawn = [[0.1, 0.1], [0.5, 0.1], [0.5, 0.1], [0.3, 0.4], [0.3, 0.4], [0.1, 0.1]]
    assert validate_shape({"kind": "polygon", "points": drawn})["points"] == [
        [0.1, 0.1],
        [0.5, 0.1],
        [0.3, 0.4],
    ]


def test_it_takes_up_to_64_corners_and_no_more() -> None:
    def ring(n: int) -> list[list[float]]:
        return [
            [0.5 + 0.4 * math.cos(2 * math.pi * i / n), 0.5 + 0.4 * math.sin(2 * math.pi * i / n)]
            for i in range(n)
        ]

    assert len(validate_shape({"kind": "polygon", "points": ring(64)})["points"]) == 64
    # 64 corners and the first again to close it: still 64.
    closed = [*ring(64), ring(64)[0]]
    assert len(validate_shape({"kind": "polygon", "points": closed})["points"]) == 64
    assert refused({"kind": "polygon", "points": ring(65)}).code == "too_many_points"
    assert refused({"kind": "polygon", "points": ring(200)}).code == "too_many_points"


@pytest.mark.parametrize(
    "points",
    [
        [[0.1, 0.1], [0.5, 0.5]],
        [[0.1, 0.1], [0.5, 0.5], [0.1, 0.1]],  # closed back onto itself
        [[0.1, 0.1], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]],
    ],
)
def test_it_refuses_a_polygon_of_fewer_than_3_corners(points: list[list[float]]) -> None:
    assert refused({"kind": "polygon", "points": points}).code == "too_few_points"


@pytest.mark.parametrize(
    "points",
    [
        [[0.1, 0.1], [0.3, 0.3], [0.5, 0.5]],  # on one line
        [[0.1, 0.1], [0.5, 0.1], [0.3, 0.1], [0.2, 0.1]],  # folded back along a line
        [[0.1, 0.1], [0.1002, 0.1], [0.1, 0.1002]],  # too small to find
    ],
)
def test_it_refuses_a_polygon_with_no_area(points: list[list[float]]) -> None:
    assert refused({"kind": "polygon", "points": points}).code == "degenerate"


@pytest.mark.parametrize(
    "points",
    [
        [[0.1, 0.1], [0.5, 0.5], [0.5, 0.1], [0.1, 0.5]],  # a bow tie
        [[0.1, 0.1], [0.6, 0.1], [0.6, 0.6], [0.3, 0.05], [0.1, 0.6]],  # an edge cut across
        [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.3, 0.1], [0.1, 0.5]],  # a corner on an edge
        [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.5, 0.2], [0.1, 0.5]],  # a spike back along a side
    ],
)
def test_it_refuses_a_polygon_whose_edges_cross(points: list[list[float]]) -> None:
    assert refused({"kind": "polygon", "points": points}).code == "self_intersecting"


# --- anything else ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (None, "not_a_shape"),
        ("rect", "not_a_shape"),
        ([[0.1, 0.1], [0.2, 0.2]], "not_a_shape"),
        ({"points": [[0.1, 0.1], [0.2, 0.2]]}, "not_a_shape"),
        ({"kind": "rect"}, "not_a_shape"),
        ({"kind": "circle", "points": [[0.1, 0.1], [0.2, 0.2]]}, "bad_kind"),
        ({"kind": ["rect"], "points": [[0.1, 0.1], [0.2, 0.2]]}, "bad_kind"),
        ({"kind": "rect", "points": [[0.1, 0.1], [0.2, 0.2]], "colour": "red"}, "extra_keys"),
        ({"kind": "rect", "points": []}, "bad_points"),
        ({"kind": "rect", "points": "0.1,0.1 0.2,0.2"}, "bad_points"),
        ({"kind": "rect", "points": {"x": 0.1}}, "bad_points"),
        ({"kind": "rect", "points": [[0.1, 0.1], [0.2]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], [0.2, 0.2, 0.3]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], ["0.2", "0.2"]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], [True, 0.2]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], [None, 0.2]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], [float("nan"), 0.2]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], [float("inf"), 0.2]]}, "bad_point"),
        ({"kind": "rect", "points": [[0.1, 0.1], 0.2]}, "bad_point"),
        ({"kind": "rect", "points": [[-0.1, 0.1], [0.2, 0.2]]}, "out_of_bounds"),
        ({"kind": "rect", "points": [[0.1, 0.1], [0.2, 1.0001]]}, "out_of_bounds"),
        ({"kind": "polygon", "points": [[0, 0], [120, 0], [120, 80]]}, "out_of_bounds"),
    ],
)
def test_it_refuses_what_is_not_a_shape(data: object, code: str) -> None:
    assert refused(data).code == code


def test_it_takes_the_plans_edges_and_whole_numbers() -> None:
    assert validate_shape({"kind": "rect", "points": [[0, 0], [1, 1]]}) == {
        "kind": "rect",
        "points": [[0, 0], [1, 1]],
    }


def test_it_rounds_coordinates_to_six_decimals() -> None:
    shape = validate_shape({"kind": "rect", "points": [[0.12345678, 0.1], [0.5, 0.987654321]]})
    assert shape["points"] == [[0.123457, 0.1], [0.5, 0.987654]]
    assert validate_shape(shape) == shape  # stored shapes pass again unchanged


def test_it_says_which_point_is_wrong() -> None:
    with translation.override("en"):
        message = refused({"kind": "rect", "points": [[0.1, 0.1], [0.2, 1.5]]}).messages[0]
    assert message == "Point 2 lies outside the plan: x and y run from 0 to 1."


# --- drawing helpers --------------------------------------------------------------------


def test_it_gives_a_rectangles_four_corners_and_svg_points() -> None:
    rect = {"kind": "rect", "points": [[0.1, 0.2], [0.5, 0.6]]}
    assert shapes.corners(rect) == [(0.1, 0.2), (0.5, 0.2), (0.5, 0.6), (0.1, 0.6)]
    assert shapes.svg_points(rect, 1000, 500) == "100,100 500,100 500,300 100,300"
    assert shapes.centre(rect) == pytest.approx((0.3, 0.4))
    assert shapes.bounds(rect) == (0.1, 0.2, 0.5, 0.6)


def test_it_puts_an_l_shapes_label_at_its_centroid() -> None:
    cx, cy = shapes.centre({"kind": "polygon", "points": L_SHAPE})
    # Three 0.2 × 0.2 squares centred at (0.2, 0.2), (0.4, 0.2) and (0.2, 0.4).
    assert (cx, cy) == pytest.approx((0.8 / 3, 0.8 / 3))


# --- the automatic grid -----------------------------------------------------------------


def areas_of(layout: dict[str, dict], aspect: float) -> dict[str, float]:
    out = {}
    for key, shape in layout.items():
        (x0, y0), (x1, y1) = shape["points"]
        out[key] = (x1 - x0) * (y1 - y0) * aspect
    return out


def test_it_lays_out_nothing_for_no_units() -> None:
    assert grid_layout([]) == {}
    assert grid_canvas(0) == (0, 0)


def test_it_lays_out_every_unit_as_a_valid_rectangle_inside_the_canvas() -> None:
    units = [(f"U{i}", Decimal(50 + 37 * (i % 7))) for i in range(23)]
    layout = grid_layout(units, aspect=1.6)
    assert list(layout) == [key for key, _area in units]  # every unit, in order
    for shape in layout.values():
        assert validate_shape(shape) == shape
        (x0, y0), (x1, y1) = shape["points"]
        assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1


def test_it_never_overlaps_two_units() -> None:
    layout = grid_layout([(i, 10 + (i * 13) % 90) for i in range(40)], aspect=2.0)
    boxes = [shape["points"] for shape in layout.values()]
    for i, ((ax0, ay0), (ax1, ay1)) in enumerate(boxes):
        for (bx0, by0), (bx1, by1) in boxes[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0


def test_it_sizes_units_by_area() -> None:
    layout = grid_layout([("big", 400), ("mid", 200), ("small", 100), ("other", 200)])
    areas = areas_of(layout, 1.6)
    assert areas["big"] > areas["mid"] > areas["small"]
    assert areas["mid"] == pytest.approx(areas["other"], rel=0.15)


def test_it_keeps_a_tiny_unit_big_enough_to_click() -> None:
    layout = grid_layout([("hall", 5000), ("cupboard", 1), ("office", 300)], aspect=1.6)
    (x0, _y0), (x1, _y1) = layout["cupboard"]["points"]
    assert x1 - x0 > 0.02


def test_it_lays_out_the_same_units_the_same_way() -> None:
    units = [(i, Decimal(100 + i)) for i in range(17)]
    assert grid_layout(units, aspect=1.3) == grid_layout(list(units), aspect=1.3)


def test_it_fills_rows_in_order() -> None:
    layout = grid_layout([(i, 100) for i in range(12)], aspect=1.6, rows=3)
    tops = [shape["points"][0][1] for shape in layout.values()]
    lefts = [shape["points"][0][0] for shape in layout.values()]
    assert tops == sorted(tops)  # row by row, top first
    assert len(set(tops)) == 3
    assert lefts[:4] == sorted(lefts[:4])  # left to right within a row


def test_it_refuses_a_canvas_with_no_width() -> None:
    with pytest.raises(ValueError):
        grid_layout([("a", 1)], aspect=0)


@pytest.mark.parametrize(("count", "rows"), [(1, 1), (3, 1), (12, 3), (40, 5)])
def test_it_sizes_the_grid_canvas_by_the_number_of_units(count: int, rows: int) -> None:
    height, got_rows = grid_canvas(count)
    assert got_rows == rows
    assert 0 < height <= rows * 180

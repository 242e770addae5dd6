"""Charts as ReportLab Drawings: one picture for the PDF and the web dashboard alike.

A Drawing goes straight into a platypus story (it is a Flowable), and `to_svg`
turns the same Drawing into an inline <svg> for a page: no JavaScript, no CDN,
and the numbers on the page are the numbers in the PDF.

Ratios come in as Decimals 0–1 (reports.metrics.Figure.value) and are drawn as
percentages. None means "no figure" (the denominator was zero): no point on a line
(the line joins the months that have one), no bar and a "—" label, never a 0 % that did not happen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports.pdf.fonts import CSS_FONT_FAMILY, cjk_font

# The house palette (static/zaiti.css): brand blue, and the "occupied" edge.
INK = colors.HexColor("#1d2433")
MUTED = colors.HexColor("#5b6476")
GRID = colors.HexColor("#dde2ea")
BRAND = colors.HexColor("#0b5cab")
SECOND = colors.HexColor("#e0813c")
BAR = colors.HexColor("#7e9fd0")
MIX = colors.HexColor("#4fb3bd")

FONT_SIZE = 8
TITLE_SIZE = 10
ROW_HEIGHT = 16  # per bar, see bar_chart_height


class TrendPointLike(Protocol):
    """What trend_chart reads of reports.metrics.TrendPoint."""

    on: Any  # a date
    occupancy_area: Decimal | None
    occupancy_count: Decimal | None


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else float(value) * 100


def _percent_label(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{number_format(round(float(value) * 100, 1), 1)}%"


def _title(drawing: Drawing, title: str, width: float, height: float) -> None:
    if title:
        drawing.add(
            String(
                0,
                height - TITLE_SIZE - 2,
                title,
                fontName=cjk_font(),
                fontSize=TITLE_SIZE,
                fillColor=INK,
            )
        )


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """Shorten a label to fit `width` points, ending in … when cut."""
    font = cjk_font()
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _month_label(day: Any) -> str:
    return f"{day.year % 100:02d}-{day.month:02d}"


def trend_chart(points: Sequence[TrendPointLike], *, width: float, height: float) -> Drawing:
    """Occupancy by area and by count over monthly points (25 for 24 months), in %."""
    font = cjk_font()
    drawing = Drawing(width, height)
    legend_height = 16
    chart = HorizontalLineChart()
    chart.x = 34
    chart.y = 26
    chart.width = width - chart.x - 8
    chart.height = height - chart.y - legend_height - 8
    chart.data = [
        [_percent(p.occupancy_area) for p in points],
        [_percent(p.occupancy_count) for p in points],
    ]
    # A line needs two points: with fewer (a carrier new this month, or no
    # leasable space at all) show the points as dots instead.
    sparse = any(sum(v is not None for v in series) < 2 for series in chart.data)
    chart.joinedLines = 0 if sparse else 1
    for i, colour in enumerate((BRAND, SECOND)):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.6
    chart.lines[1].strokeDashArray = (4, 2)
    if sparse:
        for i in (0, 1):
            chart.lines[i].symbol = makeMarker("FilledCircle", size=3)
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = FONT_SIZE
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.strokeColor = GRID
    labels = [_month_label(p.on) for p in points]
    # Every third month labelled, and always the last: 25 labels do not fit.
    chart.categoryAxis.categoryNames = [
        text if (len(labels) - 1 - i) % 3 == 0 else "" for i, text in enumerate(labels)
    ]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = FONT_SIZE - 1
    chart.categoryAxis.labels.fillColor = MUTED
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.strokeColor = GRID
    chart.categoryAxis.tickDown = 2
    drawing.add(chart)

    legend = LineLegend()
    legend.x = chart.x
    legend.y = height - 6
    legend.fontName = font
    legend.fontSize = FONT_SIZE
    legend.fillColor = INK
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx = 18
    legend.dy = 0
    legend.deltax = 110
    legend.colorNamePairs = [
        (BRAND, _("Occupancy by area")),
        (SECOND, _("Occupancy by count")),
    ]
    drawing.add(legend)
    if not any(v is not None for series in chart.data for v in series):
        _no_data(drawing, width, height)
    return drawing


def bar_chart_height(rows: int, *, title: bool = True) -> float:
    """A height that gives each of `rows` bars room for its label."""
    return max(rows, 1) * ROW_HEIGHT + 30 + (TITLE_SIZE + 8 if title else 0)


def _label_width(names: Sequence[str], width: float) -> float:
    font = cjk_font()
    widest = max((stringWidth(n, font, FONT_SIZE) for n in names), default=0)
    return min(widest + 6, width * 0.4)


def bar_chart(
    rows: Sequence[tuple[str, Decimal | None]],
    *,
    title: str = "",
    width: float,
    height: float,
) -> Drawing:
    """Horizontal bars 0–100 %, one per row (floor, building, carrier), top to bottom.

    A row whose value is None (nothing leasable there) gets no bar and "—".
    """
    font = cjk_font()
    drawing = Drawing(width, height)
    _title(drawing, title, width, height)
    if not rows:
        _no_data(drawing, width, height)
        return drawing
    names = [name for name, _value in rows]
    label_width = _label_width(names, width)
    value_label_width = 40
    chart = HorizontalBarChart()
    chart.x = label_width
    chart.y = 18
    chart.width = width - label_width - value_label_width
    chart.height = height - chart.y - (TITLE_SIZE + 10 if title else 4)
    # The category axis runs bottom to top: reverse, so the first row is on top.
    ordered = list(reversed(rows))
    chart.data = [[_percent(v) or 0 for _name, v in ordered]]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = max(2, min(8, chart.height / max(len(rows), 1) * 0.3))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = FONT_SIZE
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.strokeColor = GRID
    chart.categoryAxis.categoryNames = [_fit(n, label_width - 6) for n, _v in ordered]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = FONT_SIZE
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = GRID
    chart.categoryAxis.visibleTicks = 0
    chart.barLabelFormat = lambda v: ""  # values are written by hand below, "—" included
    drawing.add(chart)
    step = chart.height / len(ordered)
    for i, (_name, value) in enumerate(ordered):
        x = chart.x + chart.width * min((_percent(value) or 0) / 100, 1) + 3
        y = chart.y + step * (i + 0.5) - FONT_SIZE / 2 + 1
        drawing.add(
            String(x, y, _percent_label(value), fontName=font, fontSize=FONT_SIZE, fillColor=INK)
        )
    return drawing


def mix_chart(
    rows: Sequence[tuple[str, Decimal]],
    *,
    title: str = "",
    width: float,
    height: float,
    unit: str = "",
) -> Drawing:
    """A mix (companies by qualification tier, let area by industry) as horizontal bars.

    Bars scale to the largest row; each is labelled with its value and its share
    of the total, so the chart reads as a table too.
    """
    font = cjk_font()
    drawing = Drawing(width, height)
    _title(drawing, title, width, height)
    rows = [(name, Decimal(value or 0)) for name, value in rows]
    total = sum((value for _name, value in rows), Decimal(0))
    if not rows or not total:
        _no_data(drawing, width, height)
        return drawing
    names = [name for name, _value in rows]
    label_width = _label_width(names, width)
    value_label_width = 90
    chart = HorizontalBarChart()
    chart.x = label_width
    chart.y = 8
    chart.width = width - label_width - value_label_width
    chart.height = height - chart.y - (TITLE_SIZE + 10 if title else 4)
    ordered = list(reversed(rows))
    biggest = float(max(value for _name, value in rows))
    chart.data = [[float(value) for _name, value in ordered]]
    chart.bars[0].fillColor = MIX
    chart.bars[0].strokeColor = None
    chart.groupSpacing = max(2, min(8, chart.height / len(rows) * 0.3))
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = biggest
    chart.valueAxis.visible = 0
    chart.categoryAxis.categoryNames = [_fit(n, label_width - 6) for n, _v in ordered]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = FONT_SIZE
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = GRID
    chart.categoryAxis.visibleTicks = 0
    drawing.add(chart)
    step = chart.height / len(ordered)
    for i, (_name, value) in enumerate(ordered):
        x = chart.x + chart.width * (float(value) / biggest if biggest else 0) + 3
        y = chart.y + step * (i + 0.5) - FONT_SIZE / 2 + 1
        amount = number_format(
            round(value, 1 if unit else 0), 1 if unit else 0, force_grouping=True
        )
        share = _percent_label(value / total)
        text = f"{amount}{(' ' + unit) if unit else ''} · {share}"
        drawing.add(String(x, y, text, fontName=font, fontSize=FONT_SIZE, fillColor=INK))
    return drawing


def _no_data(drawing: Drawing, width: float, height: float) -> None:
    drawing.add(Line(0, height / 2 - 10, width, height / 2 - 10, strokeColor=GRID))
    drawing.add(
        String(
            width / 2,
            height / 2 - 4,
            _("No data"),
            fontName=cjk_font(),
            fontSize=FONT_SIZE + 1,
            fillColor=MUTED,
            textAnchor="middle",
        )
    )


_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_PLACEHOLDERS = re.compile(r"\s*<title>\.\.\.</title>\s*<desc>\.\.\.</desc>")
_CLIP = re.compile(r'\s*<clipPath id="clip">.*?</clipPath>', re.S)
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\sid="[^"]*"')


def _attributes(match: re.Match[str]) -> str:
    """style="a: b; c: d" → a="b" c="d": presentation attributes, which a strict
    Content-Security-Policy (no inline styles) still lets through."""
    out = []
    for declaration in match.group(1).split(";"):
        name, sep, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not name or name == "clip-path":
            continue
        # Our own constant (single quotes only), else renderSVG's colours and numbers.
        value = CSS_FONT_FAMILY if name == "font-family" else escape(value)
        out.append(f' {name}="{value}"')
    return "".join(out)


def to_svg(drawing: Drawing, *, label: str = "") -> str:
    """The Drawing as an <svg> element to embed in a page.

    - no XML prologue or DOCTYPE (not allowed inside HTML);
    - no ids (renderSVG's fixed "clip" and "group" would clash when a page holds
      several charts; the <svg> viewport clips anyway) and no style attributes:
      presentation attributes instead, so a strict CSP needs no 'unsafe-inline';
    - scales to its container through the viewBox (CSS sets the width);
    - fonts a browser has (a CJK sans-serif) instead of the PDF's internal name;
    - `label` becomes the accessible name and the tooltip (<title>).

    Text comes from our own numbers and gettext labels; renderSVG escapes it.
    """
    svg = renderSVG.drawToString(drawing)
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _PLACEHOLDERS.sub("", svg, count=1)
    svg = _CLIP.sub("", svg, count=1)
    svg = _ID.sub("", svg)
    svg = _STYLE.sub(_attributes, svg)
    head, sep, body = svg.partition(">")
    head = re.sub(r'\s(width|height|viewBox|preserveAspectRatio)="[^"]*"', "", head)
    head += (
        f' viewBox="0 0 {drawing.width:g} {drawing.height:g}"'
        ' preserveAspectRatio="xMinYMin meet" class="chart" role="img"'
    )
    if label:
        head += f' aria-label="{escape(label)}"'
        body = f"<title>{escape(label)}</title>" + body
    return (head + sep + body).strip()

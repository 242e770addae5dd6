"""What both PDF reports share: page, styles, table and figure layout.

A4 portrait, the vendored CJK font throughout (wordWrap="CJK" so Chinese
wraps between characters), numbers right-aligned, and every figure printed
with its basis, date and what it leaves out (DESIGN.md §4.5): exclusions are
numbered once under the table and each figure points at its notes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFontFamily
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reports import exports, labels
from reports.charts import BRAND, GRID, INK, MUTED
from reports.metrics import Figure
from reports.pdf.fonts import cjk_font

PAGE = A4
MARGIN = 16 * mm
WIDTH = PAGE[0] - 2 * MARGIN  # the frame's width, in points
HEADER_BG = colors.HexColor("#eef2f8")
ZEBRA = colors.HexColor("#f8f9fc")
PASS = colors.HexColor("#0f5128")
FAIL = colors.HexColor("#b3261e")


class Styles:
    """Paragraph styles in the CJK font, made once the font is registered."""

    def __init__(self) -> None:
        font = cjk_font()
        # The font has no bold or italic face: <b> must not switch to a Latin font.
        registerFontFamily(font, normal=font, bold=font, italic=font, boldItalic=font)
        base = {"fontName": font, "wordWrap": "CJK", "textColor": INK}
        self.title = ParagraphStyle("title", fontSize=18, leading=24, spaceAfter=2, **base)
        self.subtitle = ParagraphStyle(
            "subtitle", fontSize=9.5, leading=13, spaceAfter=8, **{**base, "textColor": MUTED}
        )
        self.h1 = ParagraphStyle("h1", fontSize=14, leading=19, spaceBefore=4, spaceAfter=4, **base)
        self.h2 = ParagraphStyle(
            "h2",
            fontSize=11,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
            **{**base, "textColor": BRAND},
        )
        self.body = ParagraphStyle("body", fontSize=8.5, leading=12, **base)
        self.note = ParagraphStyle("note", fontSize=7, leading=9.5, **{**base, "textColor": MUTED})
        # A note that introduces what follows stays on its page.
        self.lead = ParagraphStyle("lead", parent=self.note, keepWithNext=1, spaceAfter=3)
        self.cell = ParagraphStyle("cell", fontSize=7.5, leading=9.5, **base)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=TA_RIGHT)
        self.head = ParagraphStyle("head", fontSize=7.5, leading=9.5, **base)
        self.head_right = ParagraphStyle("head_right", parent=self.head, alignment=TA_RIGHT)


_LATIN: dict[str, ParagraphStyle] = {}


def _has_cjk(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 for ch in text)


def p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: a carrier called "A&B <1>" stays that).

    Chinese wraps between any two characters; text with none (English) wraps
    between words, or "Leasable" would break as "Leasab-le".
    """
    text = str(text)
    if not _has_cjk(text) and style.wordWrap == "CJK":
        latin = _LATIN.get(style.name)
        if latin is None:
            latin = _LATIN[style.name] = ParagraphStyle(f"{style.name}-latin", parent=style)
            latin.wordWrap = None
        style = latin
    return Paragraph(escape(text), style)


# --- values --------------------------------------------------------------------------------


class Numbers:
    """The language's number format, looked up once: number_format looks it up for each number.

    format() gives number_format's text for the numbers cell_text passes it
    (already rounded to the places shown), and is several times faster: a
    district report formats a hundred thousand of them.
    """

    def __init__(self) -> None:
        lang = get_language()
        self.decimal = get_format("DECIMAL_SEPARATOR", lang)
        self.thousands = get_format("THOUSAND_SEPARATOR", lang)
        self.grouping = get_format("NUMBER_GROUPING", lang)
        self.always_grouped = settings.USE_THOUSAND_SEPARATOR
        self._separators = str.maketrans({",": self.thousands, ".": self.decimal})

    def format(self, value: Decimal | int, places: int, *, grouped: bool = False) -> str:
        """number_format(value, places, force_grouping=grouped), for a value rounded to places."""
        grouping = (grouped or self.always_grouped) and self.grouping != 0 and self.thousands
        if isinstance(value, Decimal):
            _sign, digits, exponent = value.as_tuple()
            # Else number_format's own rules (for 0 places, a cutoff of 0.1; past 200
            # digits, scientific notation): cell_text never passes such numbers.
            if not places or exponent != -places or len(digits) + places > 200:
                return self._django(value, places, grouped)
            if not value:
                value = abs(value)  # number_format shows -0.00 as 0.00
        elif not isinstance(value, int) or places:
            return self._django(value, places, grouped)
        kind = f".{places}f" if places else "d"  # "d": an int stays an int, never a float
        if not grouping:
            return format(value, kind).replace(".", self.decimal)
        if self.grouping == 3:
            return format(value, f",{kind}").translate(self._separators)
        return self._django(value, places, grouped)

    def _django(self, value: Any, places: int, grouped: bool) -> str:
        return str(
            numberformat.format(
                value, self.decimal, places, self.grouping, self.thousands, force_grouping=grouped
            )
        )


def cell_text(value: Any, fmt: str, numbers: Numbers | None = None) -> str:
    """A value as its table cell shows it; `numbers`: Numbers() if the caller has one."""
    if value is None:
        return "—"
    if fmt in NUMERIC:
        numbers = numbers or Numbers()
        if fmt == exports.PERCENT:
            return f"{numbers.format(round(Decimal(value) * 100, 1), 1)}%"
        if fmt == exports.INT:
            return numbers.format(int(value), 0, grouped=True)
        # AREA, MONEY, NUMBER
        return numbers.format(round(Decimal(value), 2), 2, grouped=True)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


NUMERIC = {exports.PERCENT, exports.AREA, exports.MONEY, exports.INT, exports.NUMBER}
RIGHT = {exports.PERCENT, exports.AREA, exports.MONEY, exports.INT, exports.NUMBER, exports.DATE}


def grid(
    rows: Sequence[Sequence[Flowable | str]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A table with a header row repeated on each page, zebra rows and light rules."""
    table = Table(list(rows), colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), cjk_font()),
        ("FONTSIZE", (0, 0), (-1, -1), 7.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, BRAND),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        *[("ALIGN", (i, 0), (i, -1), "RIGHT") for i in right],
        *extra,
    ]
    if len(rows) > 2:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA]))
    table.setStyle(TableStyle(style))
    return table


def data_table(
    table: exports.Table,
    styles: Styles,
    *,
    columns: Sequence[int] | None = None,
    weights: Sequence[float] | None = None,
    empty: str = "",
) -> list[Flowable]:
    """An exports.Table as a PDF table (a subset of its columns), with its note."""
    picked = list(columns) if columns is not None else list(range(len(table.columns)))
    cols = [table.columns[i] for i in picked]
    weights = list(weights) if weights else [max(c.width, 6) for c in cols]
    widths = [WIDTH * w / sum(weights) for w in weights]
    right = [i for i, c in enumerate(cols) if c.format in RIGHT]
    header = [
        p(c.header, styles.head_right if i in right else styles.head) for i, c in enumerate(cols)
    ]
    # Paragraphs only where text may need wrapping (names): plain strings are
    # many times faster to lay out, which counts in a 600-page district report.
    total = sum(weights)
    wraps = [
        c.format == exports.TEXT and w / total >= 0.12 for c, w in zip(cols, weights, strict=True)
    ]
    body: list[list[Flowable | str]] = []
    numbers = Numbers()
    for row in table.rows:
        cells: list[Flowable | str] = []
        for i, j in enumerate(picked):
            text = cell_text(row[j], cols[i].format, numbers)
            cells.append(p(text, styles.cell) if wraps[i] else text)
        body.append(cells)
    out: list[Flowable] = [p(table.title, styles.h2)]
    if table.note:
        out.append(p(table.note, styles.lead))
    if not body:
        out.append(p(empty or _("None on this date."), styles.body))
        return out
    out.append(grid([header, *body], widths, right=right))
    return out


# --- figures with their basis -----------------------------------------------------------------


# The figures on a date every report leads with, in reading order.
OCCUPANCY_FIGURES = (
    "occupancy_area",
    "occupancy_count",
    "occupancy_seats",
    "occupancy_economic",
    "vacancy_area",
    "exposure_area",
    "vacant_turnkey_ready",
)


def basis_text(figure: Figure) -> str:
    return labels.basis_label(figure.basis, short=True)


def when_text(figure: Figure) -> str:
    return labels.when_label(figure)


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 4, 5, 7] → "1–5, 7": short enough for a narrow column."""
    parts: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if parts and parts[-1][1] == n - 1:
            parts[-1] = (parts[-1][0], n)
        else:
            parts.append((n, n))
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


class Notes:
    """Exclusions numbered once: figures sharing the same note share its number."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def refs(self, figure: Figure) -> str:
        numbers = []
        for text in figure.excludes:
            if text not in self.texts:
                self.texts.append(text)
            numbers.append(self.texts.index(text) + 1)
        return _ranges(numbers)

    def flowables(self, styles: Styles) -> list[Flowable]:
        if not self.texts:
            return []
        out: list[Flowable] = [Spacer(0, 3), p(_("Notes: what the figures leave out"), styles.note)]
        out += [p(f"[{i}] {text}", styles.note) for i, text in enumerate(self.texts, start=1)]
        return out


def figure_table(
    figures: Sequence[Figure],
    styles: Styles,
    *,
    mom: dict[str, Decimal | None] | None = None,
    yoy: dict[str, Decimal | None] | None = None,
) -> list[Flowable]:
    """Figures with value, numerator/denominator, basis, date, changes and notes."""
    notes = Notes()
    changes = mom is not None and yoy is not None
    header = [
        _("Figure"),
        _("Value"),
        _("Numerator / denominator"),
        _("Basis"),
        _("Date or period"),
        *([_("Month on month"), _("Year on year")] if changes else []),
        _("Notes"),
    ]
    rows: list[list[Flowable | str]] = [
        [p(h, styles.head_right if i in (1, 2) else styles.head) for i, h in enumerate(header)]
    ]
    # Plain strings (line breaks by hand) except the label: a district report
    # lays out 600 of these tables, and Paragraphs cost most of that time.
    numbers = Numbers()
    for figure in figures:
        numerator = cell_text(figure.numerator, exports.NUMBER, numbers)
        denominator = cell_text(figure.denominator, exports.NUMBER, numbers)
        ratio_of = f"{numerator} / {denominator}"
        if len(ratio_of) > 20:
            ratio_of = f"{numerator}\n/ {denominator}"
        row: list[Flowable | str] = [
            p(labels.label(figure.name), styles.cell),
            labels.display(figure),
            ratio_of,
            basis_text(figure),
            when_text(figure).replace(" – ", " –\n"),
        ]
        if changes:
            row += [
                labels.format_change(figure.name, (mom or {}).get(figure.name)),
                labels.format_change(figure.name, (yoy or {}).get(figure.name)),
            ]
        row.append(notes.refs(figure))
        rows.append(row)
    # Changes need room for "−0.2 个百分点" and "+1,234.5 m²" on one line.
    weights = [24, 11, 20, 7, 17, *([15, 15] if changes else []), 9]
    widths = [WIDTH * w / sum(weights) for w in weights]
    return [grid(rows, widths, right=[1, 2]), *notes.flowables(styles)]


# --- the document ------------------------------------------------------------------------------


def document(
    out: Any,
    *,
    title: str,
    footer: str,
    after_flowable: Callable[[Flowable], None] | None = None,
) -> BaseDocTemplate:
    """An A4 document whose every page carries a footer: what, on which date, page n."""
    generated = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    def on_page(canvas: Any, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(cjk_font(), 7)
        canvas.setFillColor(MUTED)
        canvas.setStrokeColor(GRID)
        canvas.line(MARGIN, MARGIN - 4 * mm, PAGE[0] - MARGIN, MARGIN - 4 * mm)
        canvas.drawString(MARGIN, MARGIN - 8 * mm, footer)
        canvas.drawRightString(
            PAGE[0] - MARGIN,
            MARGIN - 8 * mm,
            _("Zaiti · generated %(at)s · page %(page)s") % {"at": generated, "page": doc.page},
        )
        canvas.restoreState()

    class Doc(BaseDocTemplate):
        def afterFlowable(self, flowable: Flowable) -> None:
            if after_flowable:
                after_flowable(flowable)

    doc = Doc(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author="Zaiti",
        creator="Zaiti (ReportLab)",
    )
    frame = Frame(MARGIN, MARGIN, WIDTH, PAGE[1] - 2 * MARGIN, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    return doc


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))

"""The PDF reports: Chinese renders as Chinese, figures match the metrics, pages add up."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import numberformat, translation
from django.utils.formats import number_format
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from carriers.models import Carrier
from reports import charts, exports, labels
from reports.metrics import occupancy_on
from reports.pdf.carrier import carrier_report
from reports.pdf.district import district_report
from reports.pdf.fonts import CJK, FONT_PATH
from reports.pdf.layout import Numbers, cell_text
from tests.factories import make_unit
from tests.reports.report_world import X_NAME, Y_NAME, ReportWorld, media, units_of, world

pytestmark = pytest.mark.django_db
__all__ = ["media", "world"]


def text_of(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def fonts_of(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_it_ships_the_font_it_embeds() -> None:
    assert FONT_PATH.is_file()
    assert (FONT_PATH.parent / "LICENSE").is_file()


def test_it_writes_the_carriers_chinese_name_and_its_figures(world: ReportWorld) -> None:
    data = carrier_report(world.x, world.day, lang="zh-hans")

    assert data.startswith(b"%PDF")
    text, pages = text_of(data)
    assert X_NAME in text
    assert pages >= 2
    # Chinese from the data as well as the name: building and floor labels, a tenant.
    assert "A栋" in text
    assert "HYPERLINK" in text  # the tenant whose lease ends within 90 days
    # The vendored CJK font is embedded (subset), so no system font is needed.
    assert any(CJK in name for name in fonts_of(data))
    # The headline figure as the metrics compute it.
    figure = occupancy_on(units_of(world.x), world.day)["occupancy_area"]
    assert labels.display(figure) in text
    assert world.day.isoformat() in text


def test_it_writes_english_headings_when_asked(world: ReportWorld) -> None:
    text, _pages = text_of(carrier_report(world.x, world.day, lang="en"))

    for heading in (
        "Key figures",
        "Occupancy over 24 months",
        "Occupancy by floor",
        "By building",
        "Incubation scorecard",
        "Vacant and available-soon units",
        "Leases ending within 90 days",
    ):
        assert heading in text, heading
    assert X_NAME in text  # names stay as they are
    assert "Pass" in text or "Fail" in text


def test_it_reports_one_page_per_carrier_after_the_summary(world: ReportWorld) -> None:
    calls: list[tuple[int, int]] = []

    data = district_report(
        Carrier.objects.order_by("code"),
        world.day,
        lang="en",
        progress=lambda done, total: calls.append((done, total)),
    )

    text, pages = text_of(data)
    assert X_NAME in text and Y_NAME in text
    assert "Carriers ranked by occupancy by area" in text
    assert pages >= 3  # summary, then one page for each of the two carriers
    assert calls[0] == (0, 2) and calls[-1] == (2, 2)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)


def test_it_reads_the_district_in_a_fixed_number_of_queries(world: ReportWorld) -> None:
    """Grouped queries: more carriers must not mean more queries."""
    with CaptureQueriesContext(connection) as two:
        district_report(Carrier.objects.all(), world.day, lang="zh-hans")
    for n in range(3):
        carrier = Carrier.objects.create(name=f"新增载体{n}", code=f"new{n}", kind="incubator")
        make_unit(carrier)
    with CaptureQueriesContext(connection) as five:
        district_report(Carrier.objects.all(), world.day, lang="zh-hans")
    assert len(five.captured_queries) == len(two.captured_queries)


def test_it_shows_no_figure_as_a_dash_not_zero(db: None, media: object) -> None:
    empty = Carrier.objects.create(name="空载体", code="empty", kind="incubator")
    text, _pages = text_of(carrier_report(empty, dt.date(2026, 1, 1), lang="en"))
    assert "空载体" in text
    assert "—" in text


def test_it_draws_charts_as_inline_svg_without_styles_or_ids() -> None:
    drawing = charts.bar_chart(
        [("1F", Decimal("0.5")), ("2F", None)], title="各楼层出租率", width=300, height=100
    )
    svg = charts.to_svg(drawing, label="各楼层出租率")

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<?xml" not in svg and "DOCTYPE" not in svg
    assert "style=" not in svg and " id=" not in svg  # CSP-safe, and no clashes on a page
    assert "WenQuanYi Micro Hei" in svg and "sans-serif" in svg
    assert "各楼层出租率" in svg and "50.0%" in svg and "—" in svg
    assert 'viewBox="0 0 300 100"' in svg


def _number_format_cell(value: Decimal | int | None, fmt: str) -> str:
    """cell_text as it was, calling number_format for each number: what it must still give."""
    if value is None:
        return "—"
    if fmt == exports.PERCENT:
        return f"{number_format(round(Decimal(value) * 100, 1), 1)}%"
    if fmt == exports.INT:
        return number_format(int(value), 0, force_grouping=True)
    return number_format(round(Decimal(value), 2), 2, force_grouping=True)


NUMBERS = st.one_of(
    st.none(),
    st.integers(-(10**15), 10**15),
    st.decimals(-(10**12), 10**12, allow_nan=False, allow_infinity=False, places=4),
    st.sampled_from([Decimal("-0.004"), Decimal("-0.00"), Decimal("0.005"), Decimal("999.995")]),
)
FORMATS = [exports.PERCENT, exports.AREA, exports.MONEY, exports.INT, exports.NUMBER]


@settings(max_examples=300, deadline=None)
@given(value=NUMBERS, fmt=st.sampled_from(FORMATS), lang=st.sampled_from(["zh-hans", "en"]))
def test_cell_text_formats_numbers_as_number_format_does(value, fmt, lang) -> None:
    with translation.override(lang):
        numbers = Numbers()
        assert cell_text(value, fmt, numbers) == _number_format_cell(value, fmt)
        assert cell_text(value, fmt) == _number_format_cell(value, fmt)
        with override_settings(USE_THOUSAND_SEPARATOR=True):
            assert cell_text(value, fmt, Numbers()) == _number_format_cell(value, fmt)


@pytest.mark.parametrize("grouping", [(3, 2, 0), 4, 0])
def test_numbers_falls_back_to_django_for_other_groupings(grouping) -> None:
    with translation.override("en"):
        numbers = Numbers()
    numbers.grouping = grouping
    for value in (Decimal("-12345678.90"), Decimal("0.00"), 1234567, -7):
        places = 0 if isinstance(value, int) else 2
        expected = numberformat.format(value, ".", places, grouping, ",", force_grouping=True)
        assert numbers.format(value, places, grouped=True) == expected

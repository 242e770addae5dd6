"""The district report: a summary, the league of carriers, then one page per carrier.

Built for 600 carriers and 127,000 units: every figure comes from a fixed
number of grouped queries over all carriers at once (exports.district_tables:
per carrier and per floor through reports.metrics.occupancy_by), never a query
per carrier. The pages are then laid out from memory, and progress is
reported as each carrier's page is placed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer

from carriers.models import Carrier
from reports import exports
from reports.metrics import Figure
from reports.pdf import layout
from reports.pdf.carrier import floor_chart_rows, floor_charts
from reports.pdf.layout import OCCUPANCY_FIGURES, WIDTH, Styles, p

SUMMARY_FIGURES = (
    *OCCUPANCY_FIGURES,
    "time_weighted_occupancy_area",
    "time_to_fill_days",
    "vacancy_spell_days",
    "churn",
    "net_absorption_area",
    "incubatee_area_share",
    "incubatees_per_1000m2",
    "area_per_incubatee",
    "graduates",
    "upgrades",
)
CARRIER_FIGURES = OCCUPANCY_FIGURES


class CarrierHeading(Paragraph):
    """A carrier page's heading: placing it is one step of progress."""

    def __init__(self, text: str, style: layout.ParagraphStyle, index: int) -> None:
        super().__init__(text, style)
        self.index = index


def story(tables: exports.DistrictTables, styles: Styles) -> list[Flowable]:
    day = tables.day
    result = tables.summary
    out: list[Flowable] = [
        p(_("District utilisation report"), styles.subtitle),
        p(_("Science and innovation carriers"), styles.title),
        p(
            _("On %(day)s · %(n)s carriers") % {"day": day.isoformat(), "n": len(tables.carriers)},
            styles.subtitle,
        ),
        p(_("Key figures"), styles.h2),
        *layout.figure_table(
            [result.figures[n] for n in SUMMARY_FIGURES if n in result.figures],
            styles,
            mom=result.mom,
            yoy=result.yoy,
        ),
    ]
    # Rank, carrier, kind, units, occupancy by count, leasable area, by area,
    # vacancy, exposure, economic occupancy.
    out += layout.data_table(
        tables.league,
        styles,
        columns=[0, 2, 3, 5, 7, 8, 10, 11, 12, 13],
        weights=[6, 30, 11, 9, 10, 13, 10, 9, 11, 11],
    )
    floors_by_carrier: dict[int, list[exports.FloorRow]] = defaultdict(list)
    for floor in tables.floor_list:
        floors_by_carrier[floor.carrier_id].append(floor)
    kinds, levels = dict(Carrier.Kind.choices), dict(Carrier.Level.choices)
    for index, carrier in enumerate(tables.carriers):
        figures = tables.carrier_figures.get(carrier.pk, {})
        out += [
            PageBreak(),
            CarrierHeading(escape(carrier.name), styles.h1, index),
            p(
                " · ".join(
                    [
                        carrier.code,
                        str(kinds.get(carrier.kind, carrier.kind)),
                        _("Recognition: %(level)s")
                        % {"level": levels.get(carrier.level, carrier.level)},
                        day.isoformat(),
                    ]
                ),
                styles.subtitle,
            ),
            *_carrier_figures(figures, styles),
            Spacer(0, 6),
            p(_("Occupancy by floor"), styles.h2),
            *floor_charts(
                floor_chart_rows(floors_by_carrier[carrier.pk], tables.floor_figures),
                title="",
                width=WIDTH,
            ),
        ]
    return out


def _carrier_figures(figures: dict[str, Figure], styles: Styles) -> list[Flowable]:
    if not figures:
        return [p(_("No units on this date."), styles.body)]
    return layout.figure_table([figures[n] for n in CARRIER_FIGURES if n in figures], styles)


def district_report(
    carriers: QuerySet[Carrier] | Sequence[Carrier],
    day: dt.date,
    *,
    lang: str,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The district report on `day` for `carriers` (the requester's scope), as PDF bytes.

    `progress(done, total)` is called as carrier pages are laid out (total is
    the number of carriers), from 0 to total.
    """
    with translation.override(lang):
        tables = exports.district_tables(carriers, day)
        total = len(tables.carriers)
        report = progress or (lambda done, total: None)
        report(0, total)

        def placed(flowable: Flowable) -> None:
            if isinstance(flowable, CarrierHeading):
                report(flowable.index + 1, total)

        styles = Styles()
        buffer = io.BytesIO()
        doc = layout.document(
            buffer,
            title=_("District utilisation report %(day)s") % {"day": day.isoformat()},
            footer=_("District utilisation report · %(day)s") % {"day": day.isoformat()},
            after_flowable=placed,
        )
        doc.build(story(tables, styles))
        report(total, total)
    return buffer.getvalue()

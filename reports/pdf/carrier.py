"""One carrier's utilisation report as a PDF (ReportLab platypus).

KPIs with their basis, date and exclusions; the 24-month trend; companies by
qualification tier and let area by industry; occupancy by floor; tables by
building and floor; vacant and available-soon units; leases ending within 90
days; and the incubation scorecard against the national recognition thresholds.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer, Table

from carriers.choices import Industry
from carriers.models import Carrier, Unit
from leasing.models import Qualification
from reports import charts, exports, labels
from reports.incubation import THRESHOLDS, industry_mix_on, tiers_on
from reports.metrics import Figure, few_units, occupancy_trend
from reports.pdf import layout
from reports.pdf.layout import WIDTH, Styles, p

# The figures of the KPI table, in reading order (any the summary lacks are skipped).
KPI_ORDER = (
    *layout.OCCUPANCY_FIGURES,
    "time_weighted_occupancy_area",
    "time_to_fill_days",
    "time_to_first_offer_days",
    "vacancy_spell_days",
    "days_to_get_ready",
    "days_to_let",
    "churn",
    "moved_in_area",
    "moved_out_area",
    "net_absorption_area",
    "employees_per_1000m2",
    "rd_staff_per_1000m2",
)
INCUBATION_ORDER = (
    "incubatees",
    "incubatee_area_share",
    "incubatees_per_1000m2",
    "area_per_incubatee",
    "months_in_incubation_median",
    "incubatees_over_limit",
    "graduates",
    "upgrades",
)
FLOORS_PER_CHART = 36  # a taller chart would not fit on one page


def floor_chart_rows(
    floors: list[exports.FloorRow], figures: dict[int, dict[str, Figure]]
) -> list[tuple[str, Decimal | None]]:
    rows = []
    for floor in floors:
        figure = (figures.get(floor.floor_id) or {}).get("occupancy_area")
        rows.append((f"{floor.building} {floor.label}", figure.value if figure else None))
    return rows


def floor_charts(
    rows: list[tuple[str, Decimal | None]], *, title: str, width: float
) -> list[Flowable]:
    out: list[Flowable] = []
    for start in range(0, len(rows), FLOORS_PER_CHART):
        chunk = rows[start : start + FLOORS_PER_CHART]
        out.append(
            charts.bar_chart(
                chunk,
                title=title if start == 0 else "",
                width=width,
                height=charts.bar_chart_height(len(chunk), title=start == 0),
            )
        )
    if not rows:
        out.append(charts.bar_chart([], title=title, width=width, height=60))
    return out


def scorecard(figures: dict[str, Figure], styles: Styles) -> list[Flowable]:
    """Each national threshold with the carrier's figure and pass / fail."""
    verdicts = {
        True: (_("Pass"), ParagraphStyle("pass", parent=styles.cell, textColor=layout.PASS)),
        False: (_("Fail"), ParagraphStyle("fail", parent=styles.cell, textColor=layout.FAIL)),
        None: ("—", styles.cell),
    }
    rows: list[list[Flowable | str]] = [
        [
            p(_("Requirement"), styles.head),
            p(_("Figure"), styles.head),
            p(_("Value"), styles.head_right),
            p(_("Result"), styles.head),
        ]
    ]
    for threshold in THRESHOLDS:
        figure = figures.get(threshold.figure)
        text, style = verdicts[threshold.judge(figure) if figure else None]
        rows.append(
            [
                p(str(threshold.text), styles.cell),
                p(labels.label(threshold.figure), styles.cell),
                p(labels.display(figure) if figure else "—", styles.cell_right),
                p(text, style),
            ]
        )
    return [
        layout.grid(rows, [WIDTH * w for w in (0.42, 0.28, 0.15, 0.15)], right=[2]),
        Spacer(0, 2),
        p(
            _(
                "Thresholds of the national recognition of incubators. A figure with no "
                "value (no incubatees, no incubation area) is neither a pass nor a fail."
            ),
            styles.note,
        ),
    ]


def _kept_first(heading: Flowable, flowables: list[Flowable]) -> list[Flowable]:
    """The heading stays with the first of what follows it."""
    return [layout.keep(heading, flowables[0]), *flowables[1:]]


def _figures(names: tuple[str, ...], figures: dict[str, Figure]) -> list[Figure]:
    return [figures[name] for name in names if name in figures]


def story(carrier: Carrier, day: dt.date, styles: Styles) -> list[Flowable]:
    units = Unit.objects.filter(carrier=carrier)
    with few_units():  # one carrier's units: probe the allocations unit by unit
        tables = exports.carrier_tables(carrier, day)
        trend = occupancy_trend(units, day, months=24)
    result = tables.summary
    tiers = tiers_on(units, day)
    mix = industry_mix_on(units, day)

    kinds, levels = dict(Carrier.Kind.choices), dict(Carrier.Level.choices)
    facts = [
        str(kinds.get(carrier.kind, carrier.kind)),
        _("Recognition: %(level)s") % {"level": levels.get(carrier.level, carrier.level)},
    ]
    if carrier.operator:
        facts.append(_("Operator: %(name)s") % {"name": carrier.operator})
    out: list[Flowable] = [
        p(_("Carrier utilisation report"), styles.subtitle),
        p(carrier.name, styles.title),
        p(
            _("On %(day)s · %(facts)s") % {"day": day.isoformat(), "facts": " · ".join(facts)},
            styles.subtitle,
        ),
        p(_("Key figures"), styles.h2),
        *layout.figure_table(
            _figures(KPI_ORDER, result.figures), styles, mom=result.mom, yoy=result.yoy
        ),
        layout.keep(
            p(_("Occupancy over 24 months"), styles.h2),
            charts.trend_chart(trend, width=WIDTH, height=170),
            p(
                _(
                    "Occupancy on the first of each month, by gross area and by unit count, "
                    "of the units leasable on that day."
                ),
                styles.note,
            ),
        ),
    ]
    tier_rows = [
        (str(label), Decimal(tiers.get(value, 0)))
        for value, label in Qualification.Kind.choices
        if tiers.get(value)
    ]
    mix_rows = sorted(
        ((str(label), mix.get(value, Decimal(0))) for value, label in Industry.choices),
        key=lambda row: -row[1],
    )
    mix_rows = [row for row in mix_rows if row[1]]
    half = (WIDTH - 12) / 2
    out += [
        layout.keep(
            p(_("Companies and industries"), styles.h2),
            Table(
                [
                    [
                        charts.mix_chart(
                            tier_rows,
                            title=_("Housed companies by qualification"),
                            width=half,
                            height=charts.bar_chart_height(len(tier_rows)),
                        ),
                        charts.mix_chart(
                            mix_rows,
                            title=_("Let area by industry"),
                            width=half,
                            height=charts.bar_chart_height(len(mix_rows)),
                            unit="m²",
                        ),
                    ]
                ],
                colWidths=[half + 6, half + 6],
                style=[("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")],
                hAlign="LEFT",
            ),
            p(
                _(
                    "Companies with a signed lease here on %(day)s holding each qualification "
                    "(a company may hold several); gross area let, by the tenant's industry."
                )
                % {"day": day.isoformat()},
                styles.note,
            ),
        ),
        *_kept_first(
            p(_("Occupancy by floor"), styles.h2),
            floor_charts(
                floor_chart_rows(tables.floor_list, tables.floor_figures), title="", width=WIDTH
            ),
        ),
        p(
            _("Occupancy by gross area on %(day)s; “—”: nothing leasable on the floor.")
            % {"day": day.isoformat()},
            styles.note,
        ),
    ]
    # Code, building, units, occupancy by count, leasable/allocated area, by area,
    # exposure, economic occupancy.
    out += layout.data_table(
        tables.buildings,
        styles,
        columns=[1, 2, 3, 4, 5, 6, 7, 9, 10],
        weights=[16, 9, 9, 11, 13, 13, 11, 11, 11],
    )
    out += layout.data_table(
        tables.floors,
        styles,
        columns=[0, 1, 2, 3, 4, 5, 6, 7, 9, 10],
        weights=[12, 7, 9, 9, 11, 13, 13, 11, 11, 11],
    )
    out += [
        p(_("Incubation scorecard"), styles.h2),
        *scorecard(result.figures, styles),
        Spacer(0, 6),
        *layout.figure_table(_figures(INCUBATION_ORDER, result.figures), styles),
    ]
    out += layout.data_table(
        tables.vacant,
        styles,
        weights=[9, 10, 6, 12, 11, 6, 8, 12, 10, 11],
        empty=_("No vacant or available-soon units on this date."),
    )
    out += layout.data_table(
        tables.ending,
        styles,
        weights=[8, 10, 28, 11, 12, 11, 11, 8],
        empty=_("No lease ends within 90 days."),
    )
    return out


def carrier_report(carrier: Carrier, day: dt.date, *, lang: str) -> bytes:
    """The carrier's report on `day`, in `lang` (zh-hans or en), as PDF bytes."""
    with translation.override(lang):
        styles = Styles()
        buffer = io.BytesIO()
        doc = layout.document(
            buffer,
            title=_("%(carrier)s · utilisation report %(day)s")
            % {"carrier": carrier.name, "day": day.isoformat()},
            footer=f"{carrier.name} · {day.isoformat()}",
        )
        doc.build(story(carrier, day, styles))
    return buffer.getvalue()

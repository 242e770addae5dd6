"""What each figure is called and how its value is written, in one place.

Pages, the PDF, the exports, the JSON endpoint and the `occupancy` command all
name figures through this table, so a figure reads the same everywhere.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from reports.metrics import Figure

PERCENT = "percent"  # a ratio 0–1, written as a percentage
DAYS = "days"
AREA = "area"  # m²
NUMBER = "number"  # a plain quantity with one decimal (e.g. per 1,000 m²)
COUNT = "count"  # whole companies or units
MONTHS = "months"

# name → (label, how the value is written)
FIGURES: dict[str, tuple[Promise, str]] = {
    "occupancy_area": (_("Occupancy by area"), PERCENT),
    "occupancy_count": (_("Occupancy by count"), PERCENT),
    "occupancy_seats": (_("Occupancy by seats"), PERCENT),
    "occupancy_economic": (_("Economic occupancy (rent)"), PERCENT),
    "vacancy_area": (_("Vacancy by area"), PERCENT),
    "vacancy_count": (_("Vacancy by count"), PERCENT),
    "vacancy_seats": (_("Vacancy by seats"), PERCENT),
    "exposure_area": (_("Exposure: area ending within 90 days"), PERCENT),
    "vacant_turnkey_ready": (_("Vacant units ready for turnkey move-in"), PERCENT),
    "time_weighted_occupancy_area": (_("Time-weighted occupancy by area"), PERCENT),
    "time_to_fill_days": (_("Median time to fill a request"), DAYS),
    "time_to_first_offer_days": (_("Median time to first offer"), DAYS),
    "vacancy_spell_days": (_("Median vacancy spell"), DAYS),
    "days_to_get_ready": (_("Median days to get ready"), DAYS),
    "days_to_let": (_("Median days to let"), DAYS),
    "churn": (_("Churn"), PERCENT),
    "moved_in_area": (_("Area moved in"), AREA),
    "moved_out_area": (_("Area moved out"), AREA),
    "net_absorption_area": (_("Net absorption"), AREA),
    "incubatee_area_share": (_("Incubatee area share"), PERCENT),
    "incubatees_per_1000m2": (_("Incubatees per 1,000 m²"), NUMBER),
    "area_per_incubatee": (_("Area per incubatee"), AREA),
    "months_in_incubation_median": (_("Median months in incubation"), MONTHS),
    "incubatees_over_limit": (_("Incubatees past the incubation limit"), COUNT),
    "incubatees": (_("Incubatees"), COUNT),
    "graduates": (_("Graduates"), COUNT),
    "upgrades": (_("Upgrades to high-tech enterprise"), COUNT),
    "employees_per_1000m2": (_("Employees per 1,000 m²"), NUMBER),
    "rd_staff_per_1000m2": (_("R&D staff per 1,000 m²"), NUMBER),
}


def label(name: str) -> str:
    """The figure's name in the active language (the code name if it is unknown)."""
    entry = FIGURES.get(name)
    return str(entry[0]) if entry else name


def kind(name: str) -> str:
    entry = FIGURES.get(name)
    return entry[1] if entry else NUMBER


def _rounded(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_value(name: str, value: Decimal | None) -> str:
    """A figure's value as people read it: 87.5 %, 42 天, 1,234.5 m²; "—" for no figure."""
    if value is None:
        return "—"
    how = kind(name)
    if how == PERCENT:
        return f"{number_format(_rounded(value * 100, 1), 1)}%"
    if how == DAYS:
        return _("%(n)s days") % {"n": number_format(_rounded(value, 0), 0)}
    if how == MONTHS:
        return _("%(n)s months") % {"n": number_format(_rounded(value, 1), 1)}
    if how == AREA:
        return f"{number_format(_rounded(value, 1), 1, force_grouping=True)} m²"
    if how == COUNT:
        return number_format(_rounded(value, 0), 0, force_grouping=True)
    return number_format(_rounded(value, 1), 1, force_grouping=True)


def display(figure: Figure) -> str:
    return format_value(figure.name, figure.value)


def format_change(name: str, change: Decimal | None) -> str:
    """A month-on-month or year-on-year change: percentage points for rates."""
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    size = abs(change)
    if kind(name) == PERCENT:
        return _("%(sign)s%(n)s pts") % {
            "sign": sign,
            "n": number_format(_rounded(size * 100, 1), 1),
        }
    return f"{sign}{format_value(name, size)}"


# basis → (as a table cell says it, as a narrow PDF column says it)
BASES: dict[str, tuple[Promise, Promise]] = {
    "area": (_("by gross area"), _("area")),
    "count": (_("by unit count"), _("count")),
    "seats": (_("by seats"), _("seats")),
    "rent": (_("by rent"), _("rent")),
    "days": (_("in days"), _("days")),
    "months": (_("in months"), _("months")),
}


def basis_label(basis: str, *, short: bool = False) -> str:
    entry = BASES.get(basis)
    return str(entry[1 if short else 0]) if entry else basis


def when_label(figure: Figure) -> str:
    """The figure's date, or its period as people read it (the last day that counts)."""
    if figure.on:
        return figure.on.isoformat()
    if figure.period:
        start, end = figure.period  # half-open: the end is not in it
        return f"{start.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()}"
    return ""

"""Every figure of DESIGN.md §5 for one set of units on one day, with its changes.

The dashboard, the JSON endpoint, the reports and the `occupancy` command read
figures through `summary`, so they always agree. Figures on a date are taken
on the day; figures over a period cover the twelve months up to and including
the day. Month-on-month and year-on-year changes compare with the same figures
one month and one year earlier. A fixed number of queries (about 15),
whatever the number of units or leases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import Unit
from leasing.terms import add_months
from reports.flows import churn_and_absorption, time_to_fill_over, vacancy_spells
from reports.incubation import incubation_on, incubation_period
from reports.metrics import Figure, occupancy_on, time_weighted_occupancy

ONE_DAY = dt.timedelta(days=1)
SPELLS = ("vacancy_spell_days", "days_to_get_ready", "days_to_let")


def trailing_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The half-open twelve months ending with `day`: [day + 1 − 12 months, day + 1)."""
    end = day + ONE_DAY
    return add_months(end, -12), end


@dataclass
class Summary:
    on: dt.date
    period: tuple[dt.date, dt.date]
    figures: dict[str, Figure]
    mom: dict[str, Decimal | None] = field(default_factory=dict)
    yoy: dict[str, Decimal | None] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        def changes(values: dict[str, Decimal | None]) -> dict[str, str | None]:
            return {k: None if v is None else str(v) for k, v in values.items()}

        return {
            "on": self.on.isoformat(),
            "period": [d.isoformat() for d in self.period],
            "figures": [f.as_json() for f in self.figures.values()],
            "month_on_month": changes(self.mom),
            "year_on_year": changes(self.yoy),
        }


def _change(now: Figure, then: Figure | None) -> Decimal | None:
    if then is None or now.value is None or then.value is None:
        return None
    return now.value - then.value


def summary(
    units: QuerySet[Unit],
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    industry: str | None = None,
) -> Summary:
    """Every figure for the units on the day; with a tenant industry, that industry's part.

    Time-weighted occupancy and vacancy spells are about the space, not who
    is in it: they stay the figures of all the units.
    """
    now = now or timezone.now()
    start, end = trailing_year(day)
    days = (day, add_months(day, -1), add_months(day, -12))
    # Figures on the day and the two days compared with: occupancy (with the
    # incubatee share) and time to fill; the rest is for the day only.
    occupancy = [occupancy_on(units, d, now=now, industry=industry) for d in days]
    fill = time_to_fill_over(units, [trailing_year(d) for d in days], industry=industry)
    figures, month_ago, year_ago = ({**o, **f} for o, f in zip(occupancy, fill, strict=True))
    figures.update(
        {
            **incubation_on(units, day, occupancy=occupancy[0], industry=industry),
            "time_weighted_occupancy_area": time_weighted_occupancy(units, start, end, now=now),
            **vacancy_spells(units, start, end),
            **churn_and_absorption(units, start, end, industry=industry),
            **incubation_period(units, start, end, industry=industry),
        }
    )
    if industry:
        # About the space, not who is in it: say so beside the narrowed figures.
        whole = _("All the space: not narrowed to one industry of companies")
        for name in ("time_weighted_occupancy_area", *SPELLS):
            figures[name] = replace(figures[name], excludes=[*figures[name].excludes, whole])
    return Summary(
        on=day,
        period=(start, end),
        figures=figures,
        mom={name: _change(f, month_ago.get(name)) for name, f in figures.items()},
        yoy={name: _change(f, year_ago.get(name)) for name, f in figures.items()},
    )

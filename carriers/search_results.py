"""One page of unit search results: a count, a slice of ids, then the page's rows.

Three queries whatever the page size or the number of units. The count is
of the filtered units without the sort, and the slice is of ids only; the
status, tenant and lease end (carriers/status.py) are then worked out for the
units of the page alone. Each row carries its cells as text, so that
rendering fifty rows is output, not fifty times eleven template lookups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from carriers.models import Unit
from carriers.search import UnitSearchFilter
from carriers.status import UnitStatus


@dataclass
class ResultRow:
    pk: int
    url: str  # the unit's page in the workspace
    carrier_code: str
    carrier: str
    place: str  # building · floor
    code: str
    kind: str
    gross_area: str
    list_rent: str
    seats: int
    turnkey: str  # "", or "yes" / "yes, ready on <date>"
    status: str
    status_label: str
    tenant: str
    lease_end: str  # the lease's last day, "open-ended", or "" when not let
    # The same as data, for the JSON answer.
    kind_value: str = ""
    ready_on: dt.date | None = None
    let: bool = False
    lease_last_day: dt.date | None = None


@dataclass
class SearchPage:
    page: Page
    rows: list[ResultRow]
    day: dt.date


class CountedPaginator(Paginator):
    """Counts a queryset of its own: the filtered units without the sort, so that
    sorting on the status does not make the count work every status out too.

    The count is cached like the dashboard's figures (reports/cache.py), under
    the generation every committed change moves on and for no longer than the
    next hold's expiry, so it is never stale: counting every occupied unit of
    the district joins the whole ledger (~100 ms at ten times the zone), and
    turning the pages of one search then pays for it once.
    """

    def __init__(
        self, object_list: Any, per_page: int, *, counted: QuerySet[Unit], key: tuple[str, ...]
    ) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted
        self.key = key

    @cached_property
    def count(self) -> int:
        from reports.cache import FigureCache

        return FigureCache().get_or_compute("unit_search_count", self.key, self.counted.count)


def count_key(filterset: UnitSearchFilter) -> tuple[str, ...]:
    """What the count depends on: the asker's units, the filters and the day
    (not the sort or the page, and not the moment, which the entry's lifetime covers)."""
    filters = {
        name: value
        for name, value in getattr(filterset.form, "cleaned_data", {}).items()
        if name not in ("sort", "per_page")
    }
    return (str(filterset.queryset.query), repr(sorted(filters.items())), filterset.day.isoformat())


def _row(unit: Any, day: dt.date, url: str, kinds: dict, labels: dict) -> ResultRow:
    end = unit.current_end
    last_day = end - dt.timedelta(days=1) if end else None  # half-open: the last day
    let = unit.current_allocation_id is not None
    if not let:
        lease_end = ""
    elif last_day is None:
        lease_end = _("open-ended")
    else:
        lease_end = last_day.isoformat()
    if not unit.turnkey:
        turnkey = ""
    elif unit.ready_on and unit.ready_on > day:
        turnkey = _("yes, ready on %(day)s") % {"day": unit.ready_on.isoformat()}
    else:
        turnkey = _("yes")
    return ResultRow(
        pk=unit.pk,
        url=url.format(unit.pk),
        carrier_code=unit.carrier.code,
        carrier=unit.carrier.name,
        place=f"{unit.floor.building.name} · {unit.floor.label}",
        code=unit.code,
        kind=kinds.get(unit.kind, unit.kind),
        gross_area=str(unit.gross_area),
        list_rent=str(unit.list_rent),
        seats=unit.seats,
        turnkey=turnkey,
        status=unit.status,
        status_label=labels[unit.status],
        tenant=unit.tenant_name or "",
        lease_end=lease_end,
        kind_value=unit.kind,
        ready_on=unit.ready_on,
        let=let,
        lease_last_day=last_day,
    )


def search_page(filterset: UnitSearchFilter, page_number: str | int | None) -> SearchPage:
    """The asked page of a valid filterset's results (the last one past the end)."""
    paginator = CountedPaginator(
        filterset.ordered_ids(),
        filterset.page_size,
        counted=filterset.qs,
        key=count_key(filterset),
    )
    page = paginator.get_page(page_number)
    ids = list(page.object_list)
    day = filterset.day
    units = (
        Unit.objects.filter(pk__in=ids)
        .with_status(day, now=filterset.now)
        .annotate(tenant_name=F("covering__tenant__name"))
        .select_related("carrier", "floor__building")
    )
    by_id = {unit.pk: unit for unit in units}
    # One reverse() for the page, not one per row: the pattern with a placeholder id.
    url = reverse("workspace:unit", args=[0])[:-2] + "{}/"
    kinds = {value: str(label) for value, label in Unit.Kind.choices}
    labels = {value: str(label) for value, label in UnitStatus.choices}
    rows = [_row(by_id[pk], day, url, kinds, labels) for pk in ids]
    page.object_list = rows
    return SearchPage(page=page, rows=rows, day=day)

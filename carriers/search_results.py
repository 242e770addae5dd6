"""One page of unit search results: a slice of ids, then the page's rows; the count.

The slice is of ids only (carriers/search.py, page_ids); the status, tenant
and lease end (carriers/status.py) are then worked out for the units of the
page alone. Each row carries its cells as text, so that rendering fifty rows
is output, not fifty times eleven template lookups.

The count is a query of its own over the filtered units without the sort,
cached under the figures' generation (reports/cache.py), so it is never stale
and turning the pages of one search pays for it once. Over a few carriers it
costs a few milliseconds and the page shows it. Over the whole district,
counting the units of a status joins the whole ledger (~150 ms at ten times
the zone), more than the page itself: there the page does not wait for it.
It is shown at once when cached; otherwise the page says it is counting and
its script asks /units/count.json, which counts and caches. The page knows
whether there is a next page without the count: it reads one id more.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carriers.models import Unit
from carriers.search import UnitSearchFilter
from carriers.status import UnitStatus
from reports.cache import FigureCache

# Past any real search's last page (the district has 127,000 units at ten times the
# zone); a page asked beyond the last one shows the last one.
LAST_PAGE = 1_000_000


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
    rows: list[ResultRow]
    day: dt.date
    number: int
    per_page: int
    has_next: bool
    count: int | None  # None: not counted yet (the page's script asks /units/count.json)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else pages_for(self.count, self.per_page)


def pages_for(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def count_key(filterset: UnitSearchFilter) -> tuple[str, ...]:
    """What the count depends on: the asker's units, the filters and the day
    (not the sort or the page, and not the moment, which the entry's lifetime covers)."""
    filters = {
        name: value
        for name, value in getattr(filterset.form, "cleaned_data", {}).items()
        if name not in ("sort", "per_page")
    }
    return (str(filterset.queryset.query), repr(sorted(filters.items())), filterset.day.isoformat())


class SearchCounts:
    """A search's count, and the sizes of its status groups when sorted by status
    (carriers/status_sort.py), cached under the figures' generation."""

    def __init__(self, filterset: UnitSearchFilter) -> None:
        self.filterset = filterset
        self.cache = FigureCache(now=filterset.now)
        self.key = count_key(filterset)

    def total(self) -> int:
        return self.cache.get_or_compute("unit_search_count", self.key, self.filterset.qs.count)

    def cached_total(self) -> int | None:
        return self.cache.peek("unit_search_count", self.key)

    def known(self, status: str) -> int | None:
        return self.cache.peek("unit_search_group", (*self.key, status))

    def count(self, status: str, compute: Callable[[], int]) -> int:
        return self.cache.get_or_compute("unit_search_group", (*self.key, status), compute)


def count_texts(count: int, page: int, per_page: int) -> dict[str, str]:
    """The page's sentences about the count, for the count's JSON answer."""
    return {
        "text": ngettext("%(counter)s unit matches.", "%(counter)s units match.", count)
        % {"counter": count},
        "pages": _("Page %(n)s of %(total)s") % {"n": page, "total": pages_for(count, per_page)},
    }


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


def _page_number(raw: str | int | None) -> int:
    """The page asked for, from 1 to LAST_PAGE: a page number is read before the
    count, and an offset past the database's integers would be an error."""
    try:
        return min(max(1, int(raw or 1)), LAST_PAGE)
    except (TypeError, ValueError):
        return 1


def search_page(
    filterset: UnitSearchFilter, page_number: str | int | None, *, wait_for_count: bool = True
) -> SearchPage:
    """The asked page of a valid filterset's results (the last one past the end).

    With `wait_for_count` false, the count is left out (None) when the search
    covers many carriers (carriers.search.FEW_CARRIERS) and it is not cached."""
    counts = SearchCounts(filterset)
    per_page = filterset.page_size
    number = _page_number(page_number)
    waits = wait_for_count or filterset.few_carriers
    count = counts.total() if waits else counts.cached_total()
    if count is not None:
        number = min(number, pages_for(count, per_page))
    # One id more than the page: whether there is a next page, without the count.
    ids = filterset.page_ids((number - 1) * per_page, per_page + 1, counts)
    if not ids and number > 1:
        # Past the end (an old link, or fewer units since): the last page.
        count = counts.total()
        number = pages_for(count, per_page)
        ids = filterset.page_ids((number - 1) * per_page, per_page + 1, counts)
    has_next = len(ids) > per_page
    ids = ids[:per_page]
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
    rows = [_row(by_id[pk], day, url, kinds, labels) for pk in ids if pk in by_id]
    return SearchPage(
        rows=rows, day=day, number=number, per_page=per_page, has_next=has_next, count=count
    )

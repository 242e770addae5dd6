"""Unit search results sorted by status, read one status at a time.

Sorting on the derived status (carriers/status.py) makes the database work out
the status of every unit in the search before it can return the first page:
over the whole district (127,000 units at ten times the zone) that costs a few
hundred milliseconds for every page. But the sort is by status first, then by
carrier and code, so the results are the units of each status in turn
(STATUS_ORDER), each group sorted by carrier and code; and each group is a
plain filter (carriers/status_filters.py) that the database answers from an
ordered scan, stopping after the page.

A page is therefore read group by group: the first group's slice, then the
next group's from its start while the page is not full. The size of a group is
needed only when a page starts past its end (its slice comes back empty); it
is counted then and cached like the search's own count (under the figures'
generation, never stale), so later pages skip the group without reading it.
The first pages, the ones people read, cost one slice query. Whatever the page,
the queries are bounded by the eight statuses, not by the number of units.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Protocol

from django.db.models import QuerySet

from carriers.models import Unit
from carriers.status_filters import status_q


class GroupSizes(Protocol):
    """The groups' sizes, cached by the caller."""

    def known(self, status: str) -> int | None:
        """The size if it is cached, without counting."""

    def count(self, status: str, compute: Callable[[], int]) -> int:
        """The size, counted with `compute` unless cached."""


def ids_by_status(
    units: QuerySet[Unit],
    order: Sequence[str],
    *,
    on: dt.date,
    now: dt.datetime,
    offset: int,
    limit: int,
    sizes: GroupSizes,
) -> list[int]:
    """The ids at [offset, offset + limit) of `units` sorted by status in `order`, then
    by carrier, code and id. `offset` counts from the first group's start."""
    ids: list[int] = []
    for status in order:
        if len(ids) == limit:
            break
        group = units.filter(status_q(status, on, now))
        known = sizes.known(status) if offset else None
        if known is not None and known <= offset:
            offset -= known  # the page starts past this group: skip it unread
            continue
        ordered = group.order_by("carrier__code", "code", "pk").values_list("pk", flat=True)
        found = list(ordered[offset : offset + limit - len(ids)])
        if not found and offset:
            # Past this group's end: by how much is its size (counted once, then cached).
            offset = max(0, offset - sizes.count(status, group.count))
            continue
        # The page goes on from the start of the next group.
        ids += found
        offset = 0
    return ids

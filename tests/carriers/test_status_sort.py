"""Sorting by status one status at a time (carriers/status_sort.py) gives exactly the
order of sorting every unit by its derived status, whatever the page: the reference
here labels every unit with carriers/status.py and sorts in Python."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carriers.models import Unit
from carriers.search import STATUS_ORDER
from carriers.status_sort import ids_by_status
from tests.carriers.statuses import make_every_status
from tests.factories import make_carrier, make_floor, make_unit
from tests.leasing.workflow import make_leadership, today

pytestmark = pytest.mark.django_db

# StrIndex, with which the one-query sort ranks the statuses (SQLite, PostgreSQL).
RANK_FUNCTIONS = ("INSTR(", "STRPOS(")


class Sizes:
    """The groups' sizes as the search caches them, counting how often each is counted."""

    def __init__(self) -> None:
        self.sizes: dict[str, int] = {}
        self.counted: list[str] = []

    def known(self, status: str) -> int | None:
        return self.sizes.get(status)

    def count(self, status: str, compute: Callable[[], int]) -> int:
        if status not in self.sizes:
            self.counted.append(status)
            self.sizes[status] = compute()
        return self.sizes[status]


@pytest.fixture
def units() -> tuple[dt.date, dt.datetime]:
    """Two carriers, each with every status (the later code first, so that the
    carrier order is not the order of creation), and a few more vacant units."""
    on, now = today(), timezone.now()
    later = make_carrier(code="zz-later", name="Later")
    earlier = make_carrier(code="aa-earlier", name="Earlier")
    make_every_status(make_floor(later), on, now)
    make_every_status(make_floor(earlier), on, now, prefix="e-")
    for n in (3, 1, 2):
        make_unit(earlier, code=f"v-{n}")
    return on, now


def reference(on: dt.date, now: dt.datetime, order: Sequence[str]) -> list[int]:
    rank = {status: i for i, status in enumerate(order)}
    labelled = Unit.objects.with_status(on, now=now).values_list(
        "pk", "status", "carrier__code", "code"
    )
    return [pk for pk, *_ in sorted(labelled, key=lambda r: (rank[r[1]], r[2], r[3], r[0]))]


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
def test_every_slice_is_the_slice_of_the_full_sort(
    units: tuple[dt.date, dt.datetime], descending: bool
) -> None:
    on, now = units
    order = STATUS_ORDER[::-1] if descending else STATUS_ORDER
    expected = reference(on, now, order)
    assert len(expected) == Unit.objects.count() > 30, "the control: every unit is sorted"
    statuses = set(Unit.objects.with_status(on, now=now).values_list("status", flat=True))
    assert statuses == set(STATUS_ORDER), "the control: every status"

    for limit in (1, 4, 9):
        sizes = Sizes()  # one search turning its pages: sizes counted once, then known
        for offset in range(0, len(expected) + 2):
            got = ids_by_status(
                Unit.objects.all(), order, on=on, now=now, offset=offset, limit=limit, sizes=sizes
            )
            assert got == expected[offset : offset + limit], (limit, offset)
        assert len(sizes.counted) == len(set(sizes.counted)), "each group counted once"


def test_a_page_within_the_first_group_is_one_query_and_counts_nothing(
    units: tuple[dt.date, dt.datetime],
) -> None:
    on, now = units
    sizes = Sizes()
    with CaptureQueriesContext(connection) as queries:
        ids_by_status(
            Unit.objects.all(), STATUS_ORDER, on=on, now=now, offset=1, limit=2, sizes=sizes
        )
    assert len(queries) == 1
    assert sizes.counted == []


def test_a_page_past_a_group_counts_it_once_and_then_skips_it_unread(
    units: tuple[dt.date, dt.datetime],
) -> None:
    on, now = units
    n_vacant = Unit.objects.with_status(on, now=now).filter(status="vacant").count()
    sizes = Sizes()

    def page() -> int:
        with CaptureQueriesContext(connection) as queries:
            ids_by_status(
                Unit.objects.all(),
                STATUS_ORDER,
                on=on,
                now=now,
                offset=n_vacant,
                limit=1,
                sizes=sizes,
            )
        return len(queries)

    first = page()  # the vacant slice comes back empty: count it, then the next group
    assert sizes.counted == ["vacant"]
    assert first == 3
    assert page() == 1  # known size: straight to the next group


@pytest.mark.parametrize("few", [2, 1], ids=["one-query", "status-by-status"])
def test_the_page_sorts_by_status_across_pages(
    units: tuple[dt.date, dt.datetime], few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leadership's two carriers are a few (one query) or, made to count as many,
    read status by status: the same order either way."""
    monkeypatch.setattr("carriers.search.FEW_CARRIERS", few)
    on, now = units
    client = Client()
    client.force_login(make_leadership("leader"))
    for sort, order in (("status", STATUS_ORDER), ("-status", STATUS_ORDER[::-1])):
        shown: list[int] = []
        for number in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/units/", {"sort": sort, "per_page": "20", "page": number})
            ranked = any(
                f in q["sql"].upper() for q in queries.captured_queries for f in RANK_FUNCTIONS
            )
            assert ranked == (few == 2), "one query ranks every status; the other reads by status"
            results = response.context["results"]
            shown += [row.pk for row in results.rows]
            assert results.has_next == (number == 1)
        assert shown == reference(on, now, order), sort

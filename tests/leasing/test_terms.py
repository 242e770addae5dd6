"""Month arithmetic of lease terms: leasing.terms.add_months."""

from __future__ import annotations

import datetime as dt

import pytest

from leasing.terms import add_months


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2026-03-01", 12, "2027-03-01", id="a-year-from-the-first"),
        pytest.param("2025-06-15", 24, "2027-06-15", id="two-years"),
        pytest.param("2025-06-15", 1, "2025-07-15", id="one-month"),
        pytest.param("2025-06-15", 0, "2025-06-15", id="zero-months"),
        pytest.param("2025-11-30", 2, "2026-01-30", id="across-the-year-end"),
        pytest.param("2025-12-01", 1, "2026-01-01", id="december-to-january"),
        pytest.param("2025-12-31", 12, "2026-12-31", id="last-day-of-the-year"),
        pytest.param("2025-01-31", 1, "2025-02-28", id="january-31-to-short-february"),
        pytest.param("2024-01-31", 1, "2024-02-29", id="january-31-to-leap-february"),
        pytest.param("2025-03-31", 1, "2025-04-30", id="31st-into-a-30-day-month"),
        pytest.param("2025-08-31", 6, "2026-02-28", id="31st-six-months-on"),
        pytest.param("2025-05-31", 3, "2025-08-31", id="31st-into-a-31-day-month"),
        pytest.param("2024-02-29", 12, "2025-02-28", id="leap-day-plus-a-year"),
        pytest.param("2024-02-29", 24, "2026-02-28", id="leap-day-plus-two-years"),
        pytest.param("2024-02-29", 48, "2028-02-29", id="leap-day-to-leap-day"),
        pytest.param("2023-02-28", 12, "2024-02-28", id="february-28-into-a-leap-year"),
        pytest.param("2100-01-31", 1, "2100-02-28", id="2100-is-not-a-leap-year"),
        pytest.param("2000-01-31", 1, "2000-02-29", id="2000-is-a-leap-year"),
        pytest.param("2025-06-15", 120, "2035-06-15", id="ten-years"),
        pytest.param("2025-03-31", -1, "2025-02-28", id="backwards-clamped"),
        pytest.param("2025-01-15", -1, "2024-12-15", id="backwards-across-the-year"),
    ],
)
def test_it_adds_months_clamping_to_the_last_day(day: str, months: int, expected: str) -> None:
    assert add_months(d(day), months) == d(expected)


def test_it_does_not_drift_when_months_are_added_one_at_a_time_from_the_start() -> None:
    # Each end is computed from the start, not chained: the 31st comes back
    # whenever the month has one.
    start = d("2025-01-31")
    ends = [add_months(start, n) for n in range(1, 13)]
    assert [e.day for e in ends] == [28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31]
    assert ends[-1] == d("2026-01-31")


@pytest.mark.parametrize("months", [1, 3, 6, 12, 24, 36])
def test_it_gives_terms_that_end_after_they_start(months: int) -> None:
    for day in (d("2024-01-31"), d("2024-02-29"), d("2025-12-31"), d("2025-06-01")):
        assert add_months(day, months) > day

"""Date helpers for the demo zone: month arithmetic and local datetimes."""

from __future__ import annotations

import calendar
import datetime as dt
import random

from django.utils import timezone


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clipped to the month's end (Jan 31 + 1 → Feb 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def years_before(day: dt.date, years: int) -> dt.date:
    return add_months(day, -12 * years)


def local_datetime(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime in the zone's time zone (settings.TIME_ZONE)."""
    naive = dt.datetime.combine(day, dt.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_default_timezone())


def office_hours(rng: random.Random, day: dt.date) -> dt.datetime:
    """A moment during the working day, as when a clerk records something."""
    return local_datetime(day, rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50)))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)

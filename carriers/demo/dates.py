"""Date helpers for the demo zone: month arithmetic and local datetimes."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from leasing.terms import add_months

__all__ = ["add_months", "days", "local_datetime", "office_hours", "years_before"]


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

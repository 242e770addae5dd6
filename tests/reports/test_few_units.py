"""`few_units()` (reports/metrics.py) changes how one carrier's allocations are found on
PostgreSQL (= ANY(ARRAY(...)) instead of IN (SELECT ...)), never what the figures are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carriers.models import Unit
from leasing.models import Allocation, SpaceRequest
from reports.metrics import few_units, occupancy_trend
from reports.summary import summary
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.leasing.workflow import make_lease

pytestmark = pytest.mark.django_db

ANY_ARRAY = "= ANY(ARRAY("


def _carrier_with_history(code: str, day: dt.date) -> None:
    """Lettings of the last two years, some from requests, one vacancy spell, one move-out."""
    carrier = make_carrier(code=code)
    floor = make_floor(carrier)
    for n in range(6):
        area = Decimal(100 + 10 * n)
        unit = make_unit(floor=floor, code=f"{code}-{n}", gross_area=area, usable_area=area)
        tenant = make_tenant()
        request = SpaceRequest.objects.create(
            tenant=tenant,
            submitted_at=timezone.make_aware(
                dt.datetime.combine(day - dt.timedelta(days=300 + 20 * n), dt.time(10))
            ),
            area_min=Decimal(50),
            area_max=Decimal(250),
            unit_kind=Unit.Kind.OFFICE,
            move_in_on=day - dt.timedelta(days=250),
            term_months=12,
        )
        first = make_lease(
            unit, day - dt.timedelta(days=700), day - dt.timedelta(days=200 - 10 * n), tenant=tenant
        )
        if n % 2:
            lease = make_lease(unit, day - dt.timedelta(days=150 - n), None, tenant=tenant)
            Allocation.objects.filter(pk=lease.pk).update(request=request)
        else:
            Allocation.objects.filter(pk=first.pk).update(request=request)


def test_one_carriers_figures_are_the_same_with_and_without_it() -> None:
    day = timezone.localdate()
    _carrier_with_history("few", day)
    _carrier_with_history("other", day)
    units = Unit.objects.filter(carrier__code="few")

    plain = summary(units, day), occupancy_trend(units, day)
    with few_units(), CaptureQueriesContext(connection) as queries:
        probed = summary(units, day), occupancy_trend(units, day)

    assert probed == plain
    figures = plain[0].figures
    # The controls: every filter that few_units() changes has rows to find.
    assert figures["time_to_fill_days"].value is not None
    assert figures["days_to_let"].value is not None
    assert figures["churn"].value
    uses_any = any(ANY_ARRAY in q["sql"] for q in queries.captured_queries)
    # PostgreSQL only: elsewhere the plain IN filter stays.
    assert uses_any == (connection.vendor == "postgresql")

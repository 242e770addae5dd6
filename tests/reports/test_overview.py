"""The home page (the district dashboard): scoped to who asks, in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leasing.services import allocation_create
from tests.factories import make_carrier, make_tenant, make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone(django_user_model):
    mine = make_carrier(name="阳澄湖两岸科创中心研发总部二期", code="ycl2")
    other = make_carrier(name="国家高新区集成创新中心", code="jccx")
    manager = django_user_model.objects.create_user("manager", password="pw-manager-123")
    mine.managers.add(manager)
    leader = django_user_model.objects.create_user("leader", password="pw-leader-123")
    leader.groups.add(Group.objects.get_or_create(name="leadership")[0])
    return {"mine": mine, "other": other, "manager": manager, "leader": leader}


def _lease_units(carrier, n: int) -> None:
    tenant = make_tenant()
    today = timezone.localdate()
    for i in range(n):
        unit = make_unit(carrier, code=f"{carrier.code}-{i}")
        if i % 2:
            allocation_create(
                unit=unit, tenant=tenant, start=today - dt.timedelta(days=30), end=None
            )


def test_it_sends_anonymous_users_to_log_in(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_shows_a_manager_only_their_carriers(client, zone) -> None:
    client.force_login(zone["manager"])
    body = client.get("/").content.decode()
    assert zone["mine"].name in body
    assert zone["other"].name not in body


def test_it_shows_leadership_every_carrier(client, zone) -> None:
    client.force_login(zone["leader"])
    body = client.get("/").content.decode()
    assert zone["mine"].name in body
    assert zone["other"].name in body


def test_it_counts_occupied_units_from_the_ledger(client, zone) -> None:
    _lease_units(zone["mine"], 4)
    client.force_login(zone["manager"])
    response = client.get("/")
    tiles = {tile.name: tile for tile in response.context["tiles"]}
    by_count = tiles["occupancy_count"].figure
    assert (by_count.numerator, by_count.denominator) == (2, 4)
    (row, _url) = response.context["league"][0]
    assert row.value("leasable_units") == 4


def test_it_renders_in_simplified_chinese_by_default(client, zone) -> None:
    client.force_login(zone["leader"])
    response = client.get("/")
    assert response["Content-Language"] == "zh-hans"


def test_it_uses_the_same_number_of_queries_for_more_units(client, zone) -> None:
    client.force_login(zone["leader"])
    _lease_units(zone["mine"], 2)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    _lease_units(zone["other"], 20)
    with CaptureQueriesContext(connection) as large:
        client.get("/")
    assert len(small) == len(large)

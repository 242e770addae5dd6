"""Serving stored pictures: each kind of file, as every role (carriers/media_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.utils import timezone

from carriers.images import store_carrier_cover, store_floor_plan, store_unit_photo
from carriers.models import CarrierCover, FloorPlan, Unit, UnitPhoto
from leasing.models import Allocation
from tests.factories import make_carrier, make_floor, make_tenant, make_unit
from tests.images import image_bytes, jpeg_upload, png_upload, upload
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_lease,
    make_manager,
    make_tenant_user,
    make_user,
    today,
)
from tests.pages import unmasked

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Pictures:
    own_photo: UnitPhoto  # of the unit company A leases
    own_plan: FloorPlan  # of that unit's floor
    cover_x: CarrierCover  # of carrier X, where A leases
    neighbour_photo: UnitPhoto  # another unit on A's floor
    upstairs_plan: FloorPlan  # another floor of X
    offered_photo: UnitPhoto  # a unit of X offered to company O (a live hold)
    offered_plan: FloorPlan
    lapsed_photo: UnitPhoto  # a unit whose hold for O has expired
    left_photo: UnitPhoto  # a unit company A left (an ended lease)
    photo_y: UnitPhoto  # carrier Y's, of a unit nobody leases
    plan_y: FloorPlan  # of its floor, where company B leases another unit
    cover_y: CarrierCover
    users: dict[str, User | AnonymousUser]


def _photo(unit: Unit) -> UnitPhoto:
    return store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)


def _plan(unit: Unit) -> FloorPlan:
    return store_floor_plan(floor=unit.floor, upload=png_upload(), user=None)


@pytest.fixture
def pictures() -> Pictures:
    x, y = make_carrier(code="x"), make_carrier(code="y")
    a, b, o = make_tenant(), make_tenant(), make_tenant()
    floor2, floor3, floor4 = make_floor(x, 2), make_floor(x, 3), make_floor(x, 4)
    own = make_unit(x, floor=floor2)
    neighbour = make_unit(x, floor=floor2)
    upstairs = make_unit(x, floor=floor3)
    offered = make_unit(x, floor=floor4)
    lapsed = make_unit(x, floor=floor4)
    left = make_unit(x, floor=floor3)
    unit_y = make_unit(y)
    make_lease(own, today() - days(100), today() + days(200), tenant=a)
    make_lease(left, today() - days(400), today() - days(30), tenant=a, state="ended")
    make_lease(make_unit(y), today() - days(10), None, tenant=b)
    make_lease(offered, today() + days(10), today() + days(375), tenant=o, state="held")
    expired = make_lease(lapsed, today() + days(10), today() + days(375), tenant=o, state="held")
    Allocation.objects.filter(pk=expired.pk).update(hold_expires_at=timezone.now() - days(1))
    users: dict[str, User | AnonymousUser] = {
        "anonymous": AnonymousUser(),
        "newcomer": make_user("newcomer"),
        "tenant_a": make_tenant_user(a, "tenant_a"),
        "tenant_b": make_tenant_user(b, "tenant_b"),
        "tenant_o": make_tenant_user(o, "tenant_o"),
        "manager_x": make_manager(x, username="manager_x"),
        "manager_y": make_manager(y, username="manager_y"),
        "leader": make_leadership("leader"),
        "admin": make_user("admin", is_superuser=True, is_staff=True),
    }
    return Pictures(
        own_photo=_photo(own),
        own_plan=_plan(own),
        cover_x=store_carrier_cover(carrier=x, upload=jpeg_upload(), user=None),
        neighbour_photo=_photo(neighbour),
        upstairs_plan=_plan(upstairs),
        offered_photo=_photo(offered),
        offered_plan=_plan(offered),
        lapsed_photo=_photo(lapsed),
        left_photo=_photo(left),
        photo_y=_photo(unit_y),
        plan_y=_plan(unit_y),
        cover_y=store_carrier_cover(carrier=y, upload=jpeg_upload(), user=None),
        users=users,
    )


def client_for(pictures: Pictures, role: str) -> Client:
    client = Client()
    user = pictures.users[role]
    if user.is_authenticated:
        client.force_login(user)
    return client


ROLES = (
    "anonymous",
    "newcomer",
    "tenant_a",
    "tenant_b",
    "tenant_o",
    "manager_x",
    "manager_y",
    "leader",
    "admin",
)
Y, N, L = 200, 404, 302  # served, hidden, to the login page
# fmt: off
SEEN: dict[str, tuple[int, ...]] = {
    #                   anon newc ten_a ten_b ten_o mgr_x mgr_y lead admin
    "own_photo":       (L,   N,   Y,    N,    N,    Y,    N,    Y,   Y),
    "own_plan":        (L,   N,   Y,    N,    N,    Y,    N,    Y,   Y),
    "cover_x":         (L,   N,   Y,    N,    Y,    Y,    N,    Y,   Y),
    "neighbour_photo": (L,   N,   N,    N,    N,    Y,    N,    Y,   Y),
    "upstairs_plan":   (L,   N,   N,    N,    N,    Y,    N,    Y,   Y),
    "offered_photo":   (L,   N,   N,    N,    Y,    Y,    N,    Y,   Y),
    "offered_plan":    (L,   N,   N,    N,    Y,    Y,    N,    Y,   Y),
    "lapsed_photo":    (L,   N,   N,    N,    N,    Y,    N,    Y,   Y),
    "left_photo":      (L,   N,   N,    N,    N,    Y,    N,    Y,   Y),
    "photo_y":         (L,   N,   N,    N,    N,    N,    Y,    Y,   Y),
    "plan_y":          (L,   N,   N,    Y,    N,    N,    Y,    Y,   Y),  # B's floor too
    "cover_y":         (L,   N,   N,    Y,    N,    N,    Y,    Y,   Y),
}
# fmt: on
CASES = [
    pytest.param(name, role, status, size, id=f"{name}-{role}-{size}")
    for name, row in SEEN.items()
    for role, status in zip(ROLES, row, strict=True)
    for size in ("small", "full")
]


@pytest.mark.parametrize(("name", "role", "expected", "size"), CASES)
def test_it_serves_each_picture_only_to_who_may_see_it(
    pictures: Pictures, name: str, role: str, expected: int, size: str
) -> None:
    image = getattr(pictures, name)

    response = client_for(pictures, role).get(image.file_url(size))

    assert response.status_code == expected
    if expected == 200:
        field = image.image if size == "full" else image.thumb_small
        with field.open("rb") as handle:
            assert b"".join(response.streaming_content) == handle.read()


@pytest.mark.parametrize("role", ["newcomer", "tenant_b", "manager_y"])
def test_it_answers_an_outsider_as_if_the_picture_did_not_exist(
    pictures: Pictures, role: str
) -> None:
    client = client_for(pictures, role)
    for image in (pictures.own_photo, pictures.own_plan, pictures.cover_x):
        there = client.get(image.file_url("large"))
        missing = client.get(image.file_url("large").replace(f"/{image.pk}/", "/987654321/"))
        assert there.status_code == missing.status_code == 404
        assert unmasked(there.content) == unmasked(missing.content)


def test_it_sends_the_right_headers(pictures: Pictures) -> None:
    client = client_for(pictures, "tenant_a")

    response = client.get(pictures.own_photo.file_url("large"))

    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    plan = client.get(pictures.own_plan.file_url("small"))
    assert plan["Content-Type"] == "image/png"


def test_it_serves_webp_as_webp(pictures: Pictures) -> None:
    unit = pictures.own_photo.unit
    photo = store_unit_photo(unit=unit, upload=upload(image_bytes("WEBP"), "x.png"), user=None)

    response = client_for(pictures, "manager_x").get(photo.file_url())

    assert response["Content-Type"] == "image/webp"


def test_it_refuses_other_sizes_and_methods(pictures: Pictures) -> None:
    client = client_for(pictures, "admin")
    url = pictures.own_photo.file_url("small")

    assert client.get(url.replace("/small/", "/huge/")).status_code == 404
    assert client.post(url).status_code == 405
    with pytest.raises(ValueError):
        pictures.own_photo.file_url("huge")


def test_it_answers_404_for_a_row_whose_file_is_gone(pictures: Pictures) -> None:
    photo = pictures.own_photo
    photo.image.storage.delete(photo.image.name)

    response = client_for(pictures, "admin").get(photo.file_url())

    assert response.status_code == 404


def test_it_never_exposes_the_stored_file_name(pictures: Pictures) -> None:
    photo = pictures.own_photo
    url = photo.file_url("small")

    response = client_for(pictures, "tenant_a").get(url)

    token = Path(photo.thumb_small.name).stem
    assert token not in url
    assert token not in response["Content-Disposition"]

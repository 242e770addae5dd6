"""Pages for pictures: the floor plan and cover uploads, unit photos in the workspace,
and the photos a company sees in the portal (leasing/workspace/media.py).

Messages are asserted in English (the 'django_language' cookie).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from carriers.images import (
    store_carrier_cover,
    store_floor_plan,
    store_unit_photo,
    update_unit_photo,
)
from carriers.models import CarrierCover, FloorPlan, UnitPhoto
from leasing.offers import offer_make
from tests.factories import make_carrier, make_tenant, make_unit
from tests.images import (
    image_bytes,
    jpeg_upload,
    png_declaring,
    png_upload,
    stored_files,
    upload,
)
from tests.leasing.workflow import (
    days,
    make_leadership,
    make_lease,
    make_manager,
    make_request,
    make_tenant_user,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def signed_in(user: Any) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


BAD_FILES = {
    "text": lambda: upload(b"hello", "plan.png"),
    "gif": lambda: upload(image_bytes("GIF"), "plan.gif", "image/gif"),
    "bomb": lambda: upload(png_declaring(20_000, 20_000), "plan.png"),
    "truncated": lambda: upload(image_bytes("PNG", (300, 300))[:60], "plan.png"),
}
MESSAGES = {
    "text": "not a JPEG, PNG or WebP image",
    "gif": "not a JPEG, PNG or WebP image",
    "bomb": "megapixels",
    "truncated": "damaged or incomplete",
}


# --- the floor plan -------------------------------------------------------------------------


def test_it_uploads_a_floor_plan_and_goes_on_to_the_floor_map(media: Path) -> None:
    unit = make_unit()
    manager = make_manager(unit.carrier)
    client = signed_in(manager)
    url = reverse("workspace:floor_plan", args=[unit.floor_id])

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'accept="image/jpeg,image/png,image/webp"' in body

    response = client.post(url, {"image": png_upload((400, 300))})

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:floor_map", args=[unit.floor_id])
    plan = FloorPlan.objects.get(floor=unit.floor)
    assert (plan.width, plan.height, plan.uploaded_by) == (400, 300, manager)
    assert len(stored_files(media)) == 3
    again = client.get(url).content.decode()
    assert plan.file_url("large") in again


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_it_shows_why_a_plan_was_refused_and_saves_nothing(media: Path, bad: str) -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))

    response = client.post(
        reverse("workspace:floor_plan", args=[unit.floor_id]), {"image": BAD_FILES[bad]()}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body
    assert MESSAGES[bad] in body
    assert not FloorPlan.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("language", "limits"),
    [("en", "JPEG, PNG or WebP, at most 20 MB and 40 megapixels."), ("zh-hans", "不超过 20 MB")],
)
def test_it_states_the_file_limits_in_the_readers_language(language: str, limits: str) -> None:
    # The help text is built lazily: built at import it kept the language of that moment.
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))
    client.cookies["django_language"] = language
    for url in (
        reverse("workspace:floor_plan", args=[unit.floor_id]),
        reverse("workspace:unit", args=[unit.pk]),
    ):
        assert limits in client.get(url).content.decode()


def test_it_asks_for_a_file_when_none_was_chosen() -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))

    response = client.post(reverse("workspace:floor_plan", args=[unit.floor_id]), {})

    assert response.status_code == 200
    assert "Choose an image file to upload." in response.content.decode()


def test_it_deletes_the_old_plan_when_replaced_from_the_page(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))
    url = reverse("workspace:floor_plan", args=[unit.floor_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"image": png_upload()})
    first = stored_files(media)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"image": jpeg_upload()})

    assert FloorPlan.objects.filter(floor=unit.floor).count() == 1
    assert len(stored_files(media)) == 3
    assert not set(first) & set(stored_files(media))


def test_it_shows_leadership_the_plan_without_a_form_and_refuses_their_upload(
    media: Path,
) -> None:
    unit = make_unit()
    plan = store_floor_plan(floor=unit.floor, upload=png_upload(), user=None)
    client = signed_in(make_leadership())
    url = reverse("workspace:floor_plan", args=[unit.floor_id])

    page = client.get(url)

    assert page.status_code == 200
    body = page.content.decode()
    assert plan.file_url("large") in body
    assert "multipart/form-data" not in body
    assert client.post(url, {"image": png_upload()}).status_code == 403
    assert list(FloorPlan.objects.values_list("pk", flat=True)) == [plan.pk]
    assert len(stored_files(media)) == 3


# --- the cover ------------------------------------------------------------------------------


def test_it_uploads_a_cover_and_shows_it_on_the_vacancy_board(media: Path) -> None:
    carrier = make_carrier()
    make_unit(carrier)
    client = signed_in(make_manager(carrier))

    response = client.post(
        reverse("workspace:carrier_cover", args=[carrier.code]), {"image": jpeg_upload()}
    )

    assert response["Location"] == reverse("workspace:vacancy", args=[carrier.code])
    cover = CarrierCover.objects.get(carrier=carrier)
    board = client.get(response["Location"]).content.decode()
    assert cover.file_url("small") in board
    assert reverse("workspace:carrier_cover", args=[carrier.code]) in board


def test_it_refuses_a_bad_cover_on_its_page(media: Path) -> None:
    carrier = make_carrier()
    client = signed_in(make_manager(carrier))

    response = client.post(
        reverse("workspace:carrier_cover", args=[carrier.code]), {"image": BAD_FILES["gif"]()}
    )

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not CarrierCover.objects.exists()
    assert stored_files(media) == []


def test_it_links_each_floor_of_the_board_to_its_plan_page() -> None:
    unit = make_unit()
    board = signed_in(make_manager(unit.carrier)).get(
        reverse("workspace:vacancy", args=[unit.carrier.code])
    )

    assert reverse("workspace:floor_plan", args=[unit.floor_id]) in board.content.decode()


# --- unit photos ------------------------------------------------------------------------------


def test_it_adds_photos_in_order_with_captions(media: Path) -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))
    url = reverse("workspace:unit_photo_add", args=[unit.pk])

    for caption in ("前台", "会议室"):
        response = client.post(url, {"image": jpeg_upload(), "caption": caption})
        assert response["Location"] == reverse("workspace:unit", args=[unit.pk])

    photos = list(UnitPhoto.objects.filter(unit=unit))
    assert [(p.caption, p.position) for p in photos] == [("前台", 0), ("会议室", 1)]
    page = client.get(reverse("workspace:unit", args=[unit.pk])).content.decode()
    for photo in photos:
        assert photo.file_url("small") in page
        assert reverse("workspace:unit_photo_delete", args=[photo.pk]) in page
    assert "会议室" in page


def test_it_keeps_the_caption_when_a_photo_is_refused(media: Path) -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))

    response = client.post(
        reverse("workspace:unit_photo_add", args=[unit.pk]),
        {"image": BAD_FILES["text"](), "caption": "茶水间", "position": "3"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist' in body
    assert 'value="茶水间"' in body
    assert not UnitPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_deletes_a_photo_and_its_files(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    unit = make_unit()
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    client = signed_in(make_manager(unit.carrier))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workspace:unit_photo_delete", args=[photo.pk]))

    assert response["Location"] == reverse("workspace:unit", args=[unit.pk])
    assert not UnitPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_changes_a_photos_caption_and_place_and_keeps_its_files(media: Path) -> None:
    unit = make_unit()
    first = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption="前台")
    second = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption="会议室")
    files = stored_files(media)
    client = signed_in(make_manager(unit.carrier))
    unit_url = reverse("workspace:unit", args=[unit.pk])

    page = client.get(unit_url).content.decode()
    assert reverse("workspace:unit_photo_edit", args=[second.pk]) in page
    assert f'id="photo{second.pk}-caption"' in page and 'value="会议室"' in page

    response = client.post(
        reverse("workspace:unit_photo_edit", args=[second.pk]),
        {"caption": "  大会议室（12 人）  ", "position": "0"},
    )
    assert response["Location"] == unit_url + "#photos"
    second.refresh_from_db()
    assert (second.caption, second.position) == ("大会议室（12 人）", 0)
    # Equal positions keep the order of upload; the one moved to 0 now ties with the first.
    client.post(
        reverse("workspace:unit_photo_edit", args=[first.pk]), {"caption": "前台", "position": "1"}
    )
    assert [p.pk for p in UnitPhoto.objects.filter(unit=unit)] == [second.pk, first.pk]
    assert stored_files(media) == files
    assert (
        "The photo&#x27;s caption and position are saved." in client.get(unit_url).content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"caption": "茶水间", "position": "-1"}, "greater than or equal to 0"),
        ({"caption": "茶水间", "position": ""}, "Give the photo a position"),
        ({"caption": "茶水间", "position": "第一"}, "Enter a whole number"),
        ({"caption": "长" * 121, "position": "2"}, "at most 120 characters"),
    ],
    ids=["negative", "missing", "not-a-number", "long-caption"],
)
def test_it_refuses_a_bad_caption_or_place_on_that_photos_form(
    media: Path, data: dict[str, str], message: str
) -> None:
    unit = make_unit()
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption="前台")
    other = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption="走廊")
    client = signed_in(make_manager(unit.carrier))

    response = client.post(reverse("workspace:unit_photo_edit", args=[photo.pk]), data)

    assert response.status_code == 200
    body = response.content.decode()
    form = body[body.index(f'id="photo-{photo.pk}"') : body.index(f'id="photo-{other.pk}"')]
    assert 'class="errorlist' in form and message in form
    assert f'value="{data["caption"]}"' in form  # what was typed stays
    assert 'class="errorlist' not in body[body.index(f'id="photo-{other.pk}"') :]
    photo.refresh_from_db()
    assert (photo.caption, photo.position) == ("前台", 0)


def test_update_unit_photo_refuses_what_the_form_would(media: Path) -> None:
    photo = store_unit_photo(unit=make_unit(), upload=jpeg_upload(), user=None, caption="前台")
    with pytest.raises(ValidationError):
        update_unit_photo(photo=photo, caption="长" * 121, position=0)
    with pytest.raises(ValidationError):
        update_unit_photo(photo=photo, caption="前台", position=-1)
    photo.refresh_from_db()
    assert (photo.caption, photo.position) == ("前台", 0)


def test_it_lets_no_other_carriers_manager_touch_a_photo(media: Path) -> None:
    unit = make_unit()
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    other = signed_in(make_manager(make_carrier()))

    assert other.post(reverse("workspace:unit_photo_delete", args=[photo.pk])).status_code == 404
    edit = other.post(
        reverse("workspace:unit_photo_edit", args=[photo.pk]), {"caption": "x", "position": "9"}
    )
    assert edit.status_code == 404
    add = other.post(reverse("workspace:unit_photo_add", args=[unit.pk]), {"image": png_upload()})
    assert add.status_code == 404
    assert UnitPhoto.objects.count() == 1
    assert UnitPhoto.objects.get().caption == ""
    assert len(stored_files(media)) == 3


def test_it_shows_leadership_the_photos_without_controls(media: Path) -> None:
    unit = make_unit()
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    client = signed_in(make_leadership())

    page = client.get(reverse("workspace:unit", args=[unit.pk])).content.decode()

    assert photo.file_url("small") in page
    assert "multipart/form-data" not in page
    assert reverse("workspace:unit_photo_delete", args=[photo.pk]) not in page
    assert client.post(reverse("workspace:unit_photo_delete", args=[photo.pk])).status_code == 403
    assert UnitPhoto.objects.count() == 1


# --- the portal -------------------------------------------------------------------------------


def test_it_shows_a_company_the_photos_of_the_unit_offered_to_it(media: Path) -> None:
    carrier = make_carrier()
    unit = make_unit(carrier)
    other = make_unit(carrier)
    manager = make_manager(carrier)
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption="大堂")
    not_offered = store_unit_photo(unit=other, upload=jpeg_upload(), user=None)
    plan = store_floor_plan(floor=unit.floor, upload=png_upload(), user=None)
    tenant = make_tenant()
    request = make_request(tenant)
    offer_make(request=request, unit=unit, actor=manager)
    client = signed_in(make_tenant_user(tenant))

    page = client.get(reverse("portal:request", args=[request.pk])).content.decode()

    assert photo.file_url("small") in page
    assert "大堂" in page
    assert plan.file_url("large") in page
    assert not_offered.file_url("small") not in page
    assert "multipart/form-data" not in page
    assert "/work/" not in page
    assert client.get(photo.file_url("large")).status_code == 200


def test_it_shows_a_company_the_photos_of_its_lease_while_it_lasts(media: Path) -> None:
    unit = make_unit()
    tenant = make_tenant()
    lease = make_lease(unit, today() - days(10), today() + days(300), tenant=tenant)
    ended_unit = make_unit(unit.carrier)
    ended = make_lease(
        ended_unit, today() - days(400), today() - days(40), tenant=tenant, state="ended"
    )
    photo = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    old = store_unit_photo(unit=ended_unit, upload=jpeg_upload(), user=None)
    cover = store_carrier_cover(carrier=unit.carrier, upload=jpeg_upload(), user=None)
    client = signed_in(make_tenant_user(tenant))

    page = client.get(reverse("portal:lease", args=[lease.pk])).content.decode()
    assert photo.file_url("small") in page
    assert cover.file_url("large") in page
    assert "multipart/form-data" not in page

    past = client.get(reverse("portal:lease", args=[ended.pk])).content.decode()
    assert old.file_url("small") not in past
    assert client.get(old.file_url("small")).status_code == 404


# --- uploads too large, and the CSRF check ----------------------------------------------------


def test_it_stops_reading_a_file_over_20_mb_and_says_so(media: Path) -> None:
    unit = make_unit()
    client = signed_in(make_manager(unit.carrier))
    huge = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024 + 1), "huge.png")

    response = client.post(
        reverse("workspace:unit_photo_add", args=[unit.pk]), {"image": huge, "caption": "大"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "The file is larger than the limit of 20 MB." in body
    assert "Choose an image file" not in body
    assert 'value="大"' in body
    assert not UnitPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_still_checks_the_csrf_token_of_an_upload() -> None:
    unit = make_unit()
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_manager(unit.carrier))
    url = reverse("workspace:floor_plan", args=[unit.floor_id])

    refused = client.post(url, {"image": png_upload()})

    assert refused.status_code == 403
    assert not FloorPlan.objects.exists()
    token = client.get(url).context["csrf_token"]
    accepted = client.post(url, {"image": png_upload(), "csrfmiddlewaretoken": str(token)})
    assert accepted.status_code == 302
    assert FloorPlan.objects.exists()

"""Uploaded pictures: what is accepted, how it is kept, what is refused (carriers/images.py)."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from PIL import Image, ImageCms

from carriers import images
from carriers.images import (
    delete_unit_photo,
    process_upload,
    store_carrier_cover,
    store_floor_plan,
    store_unit_photo,
)
from carriers.models import CarrierCover, FloorPlan, UnitPhoto
from tests.factories import make_carrier, make_floor, make_unit
from tests.images import (
    image_bytes,
    jpeg_upload,
    jpeg_with_exif,
    png_declaring,
    png_upload,
    stored_files,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def opened(field: Any) -> Image.Image:
    with field.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def refusal(data: bytes, name: str = "x.png", content_type: str = "image/png") -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        process_upload(upload(data, name, content_type))
    return caught.value


def assert_nothing_saved(media: Path) -> None:
    assert FloorPlan.objects.count() == UnitPhoto.objects.count() == CarrierCover.objects.count()
    assert UnitPhoto.objects.count() == 0
    assert stored_files(media) == []


# --- what is accepted, and how it is kept ---------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extension"), [("JPEG", ".jpg"), ("PNG", ".png"), ("WEBP", ".webp")]
)
def test_it_keeps_jpeg_png_and_webp_in_their_own_format(
    media: Path, fmt: str, extension: str
) -> None:
    floor = make_floor()

    plan = store_floor_plan(
        floor=floor, upload=upload(image_bytes(fmt, (2000, 1000)), "plan" + extension), user=None
    )

    plan.refresh_from_db()
    assert (plan.width, plan.height) == (2000, 1000)
    for field in (plan.image, plan.thumb_large, plan.thumb_small):
        assert field.name.endswith(extension)
        assert opened(field).format == fmt
    assert opened(plan.image).size == (2000, 1000)
    assert opened(plan.thumb_large).size == (1280, 640)
    assert opened(plan.thumb_small).size == (320, 160)
    assert len(stored_files(media)) == 3


def test_it_keeps_the_photo_of_a_phones_multi_picture_jpeg() -> None:
    """Phones store depth and HDR gain maps as extra pictures: Pillow calls it MPO."""
    photo, depth = Image.new("RGB", (64, 48), "red"), Image.new("RGB", (64, 48), "blue")
    data = io.BytesIO()
    photo.save(data, "MPO", save_all=True, append_images=[depth])

    processed = process_upload(upload(data.getvalue(), "IMG_0001.JPG", "image/jpeg"))

    kept = Image.open(io.BytesIO(processed.full))
    assert (processed.format, kept.format, kept.size) == ("JPEG", "JPEG", (64, 48))
    red, green, blue = kept.getpixel((32, 24))
    assert red > 200 and green < 60 and blue < 60  # the first picture, not the depth map


def test_it_scales_a_16_bit_grey_plan_to_8_bits_instead_of_clipping_it() -> None:
    ramp = Image.linear_gradient("L").resize((256, 256))  # black at the top, white below
    wide = ramp.convert("I").point(lambda v: v * 257).convert("I;16")
    data = io.BytesIO()
    wide.save(data, "PNG")

    processed = process_upload(upload(data.getvalue(), "scan.png", "image/png"))

    kept = Image.open(io.BytesIO(processed.full)).convert("L")
    assert kept.getpixel((0, 0)) < 5
    assert 120 < kept.getpixel((0, 128)) < 136  # mid-grey stays mid-grey
    assert kept.getpixel((0, 255)) > 250
    assert sum(kept.histogram()[250:]) < 256 * 256 * 0.05  # not washed out to white


def test_it_makes_thumbnails_on_the_long_side_of_a_portrait_image() -> None:
    processed = process_upload(jpeg_upload((900, 1800)))

    assert Image.open(io.BytesIO(processed.large)).size == (640, 1280)
    assert Image.open(io.BytesIO(processed.small)).size == (160, 320)


def test_it_never_enlarges_a_small_image_for_a_thumbnail() -> None:
    processed = process_upload(png_upload((200, 100)))

    assert Image.open(io.BytesIO(processed.large)).size == (200, 100)
    assert Image.open(io.BytesIO(processed.small)).size == (200, 100)


def test_it_stores_a_png_named_jpg_as_the_png_it_is(media: Path) -> None:
    photo = store_unit_photo(
        unit=make_unit(), upload=upload(image_bytes("PNG"), "photo.jpg", "image/jpeg"), user=None
    )

    assert photo.image.name.endswith(".png")
    with photo.image.open("rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_it_applies_the_exif_orientation_and_strips_exif() -> None:
    # Orientation 6: the camera was turned; the picture is to be turned 90° clockwise.
    processed = process_upload(upload(jpeg_with_exif((200, 100), 6), "p.jpg", "image/jpeg"))

    image = Image.open(io.BytesIO(processed.full))
    assert image.size == (100, 200)
    assert (processed.width, processed.height) == (100, 200)
    # The black block was top-left; turned clockwise it is top-right.
    assert image.getpixel((90, 5))[0] < 60
    assert image.getpixel((5, 5))[0] > 150
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info
    assert b"SecretCam" not in processed.full
    for thumb in (processed.large, processed.small):
        assert dict(Image.open(io.BytesIO(thumb)).getexif()) == {}


def test_it_converts_to_srgb_and_drops_the_colour_profile() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for icc in (srgb, profile):
        data = image_bytes("PNG", (40, 30), icc_profile=icc)
        assert "icc_profile" in Image.open(io.BytesIO(data)).info  # the control

        processed = process_upload(upload(data))

        assert "icc_profile" not in Image.open(io.BytesIO(processed.full)).info


def test_it_drops_png_text_chunks() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "someone@example.cn")
    processed = process_upload(upload(image_bytes("PNG", pnginfo=info)))

    assert b"someone@example.cn" not in processed.full


def test_it_keeps_transparency_of_a_png() -> None:
    processed = process_upload(upload(image_bytes("PNG", (50, 50), (10, 20, 30, 0))))

    image = Image.open(io.BytesIO(processed.full))
    assert image.mode == "RGBA"
    assert image.getpixel((1, 1))[3] == 0


def test_it_names_files_so_nobody_can_guess_them(media: Path) -> None:
    unit = make_unit()

    first = store_unit_photo(unit=unit, upload=jpeg_upload(name="my-office.jpg"), user=None)
    second = store_unit_photo(unit=unit, upload=jpeg_upload(name="my-office.jpg"), user=None)

    names = [*images.stored_names(first), *images.stored_names(second)]
    assert len(set(names)) == 6
    for name in names:
        assert name.startswith("unitphoto/")
        assert "my-office" not in name
        token = Path(name).stem
        assert len(token) >= 32  # 192 random bits, URL-safe base64


# --- what is refused, with nothing saved --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (b"just some text, not a picture\n", "notes.png", "image/png"),
        (b"", "empty.png", "image/png"),
        (image_bytes("GIF"), "anim.gif", "image/gif"),
        (image_bytes("GIF"), "anim.png", "image/png"),
        (image_bytes("BMP"), "scan.bmp", "image/bmp"),
        (image_bytes("TIFF"), "scan.jpg", "image/jpeg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "plan.svg",
            "image/svg+xml",
        ),
        (b"%PDF-1.4 a plan as a pdf", "plan.png", "image/png"),
        (b"<html><script>alert(1)</script></html>", "x.webp", "image/webp"),
    ],
    ids=["text", "empty", "gif", "gif-named-png", "bmp", "tiff-named-jpg", "svg", "pdf", "html"],
)
def test_it_refuses_anything_but_jpeg_png_and_webp_by_content(
    media: Path, data: bytes, name: str, content_type: str
) -> None:
    unit = make_unit()
    with pytest.raises(ValidationError) as caught:
        store_unit_photo(unit=unit, upload=upload(data, name, content_type), user=None)

    assert caught.value.code in {"not_an_image", "empty"}
    assert caught.value.messages[0]
    assert_nothing_saved(media)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_refuses_a_truncated_image(media: Path, fmt: str) -> None:
    # Noise, so the data is long enough to cut through the pixels.
    noise = Image.effect_noise((300, 300), 80).convert("RGB")
    out = io.BytesIO()
    noise.save(out, fmt)
    data = out.getvalue()

    error = refusal(data[: len(data) // 2])

    assert error.code == "damaged"
    with pytest.raises(ValidationError):
        store_floor_plan(floor=make_floor(), upload=upload(data[: len(data) // 2]), user=None)
    assert_nothing_saved(media)


def test_it_refuses_a_png_with_a_corrupt_body() -> None:
    data = bytearray(image_bytes("PNG", (100, 100)))
    start = data.index(b"IDAT") + 8
    data[start : start + 20] = b"\xff" * 20

    assert refusal(bytes(data)).code == "damaged"


def test_it_refuses_a_file_over_20_mb_unread(media: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened_by_pillow = []
    monkeypatch.setattr(images.Image, "open", lambda *a, **k: opened_by_pillow.append(a))
    big = upload(b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024), "big.png")

    with pytest.raises(ValidationError) as caught:
        store_carrier_cover(carrier=make_carrier(), upload=big, user=None)

    assert caught.value.code == "too_large"
    assert "20" in caught.value.messages[0]
    assert opened_by_pillow == []
    assert_nothing_saved(media)


def test_it_accepts_a_file_of_exactly_20_mb_as_far_as_size_goes() -> None:
    exactly = upload(b"x" * images.MAX_UPLOAD_BYTES, "exact.png")

    assert refusal(exactly.read()).code == "not_an_image"


@pytest.mark.parametrize(
    ("width", "height"),
    [(6325, 6325), (10_000, 5_000), (40_001, 1_000), (30_000, 30_000), (65_000, 65_000)],
    ids=["just-over-40mp", "50mp", "a-long-strip", "900mp-pillow-bomb", "4gp"],
)
def test_it_refuses_a_decompression_bomb_before_decoding_it(
    media: Path, width: int, height: int
) -> None:
    data = png_declaring(width, height)
    assert len(data) < 200  # the control: a tiny file declaring a huge image

    started = time.monotonic()
    with pytest.raises(ValidationError) as caught:
        store_floor_plan(floor=make_floor(), upload=upload(data), user=None)

    assert caught.value.code == "too_many_pixels"
    assert "40" in caught.value.messages[0]
    assert time.monotonic() - started < 2  # nothing was decoded
    assert_nothing_saved(media)


def test_it_names_the_dimensions_of_an_image_over_the_limit() -> None:
    error = refusal(png_declaring(10_000, 5_000))

    assert "10000 × 5000" in error.messages[0]


def test_it_does_not_rely_on_pillows_global_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # someone switched Pillow's check off

    assert refusal(png_declaring(10_000, 5_000)).code == "too_many_pixels"


def test_it_refuses_a_caption_too_long_before_reading_the_file(media: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        store_unit_photo(unit=make_unit(), upload=jpeg_upload(), user=None, caption="长" * 121)

    assert caught.value.code == "caption_too_long"
    assert_nothing_saved(media)


# --- storing, replacing, deleting ---------------------------------------------------------------


def test_it_puts_a_new_photo_after_the_last_unless_told_where(media: Path) -> None:
    unit = make_unit()

    first = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, caption=" 前台 ")
    second = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    placed = store_unit_photo(unit=unit, upload=jpeg_upload(), user=None, position=0)

    assert (first.position, second.position, placed.position) == (0, 1, 0)
    assert first.caption == "前台"
    assert len(stored_files(media)) == 9


def test_it_deletes_the_old_files_when_a_floor_plan_is_replaced(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    floor = make_floor()
    with django_capture_on_commit_callbacks(execute=True):
        old = store_floor_plan(floor=floor, upload=png_upload(), user=None)
    old_files = stored_files(media)
    assert len(old_files) == 3

    with django_capture_on_commit_callbacks(execute=True):
        new = store_floor_plan(floor=floor, upload=png_upload((80, 60)), user=None)

    assert list(FloorPlan.objects.values_list("pk", flat=True)) == [new.pk]
    assert not FloorPlan.objects.filter(pk=old.pk).exists()
    remaining = stored_files(media)
    assert len(remaining) == 3
    assert not set(old_files) & set(remaining)


def test_it_deletes_the_old_files_when_a_cover_is_replaced(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    carrier = make_carrier()
    with django_capture_on_commit_callbacks(execute=True):
        store_carrier_cover(carrier=carrier, upload=jpeg_upload(), user=None)
        old_files = stored_files(media)
        store_carrier_cover(carrier=carrier, upload=jpeg_upload(), user=None)

    assert CarrierCover.objects.filter(carrier=carrier).count() == 1
    assert len(stored_files(media)) == 3
    assert not set(old_files) & set(stored_files(media))


def test_it_deletes_a_photos_files_only_after_commit(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    photo = store_unit_photo(unit=make_unit(), upload=jpeg_upload(), user=None)
    files = stored_files(media)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delete_unit_photo(photo=photo)
    assert stored_files(media) == files  # not yet: the deletion might still roll back
    for callback in callbacks:
        callback()

    assert not UnitPhoto.objects.exists()
    assert stored_files(media) == []


def test_it_keeps_the_files_when_a_deletion_rolls_back(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    photo = store_unit_photo(unit=make_unit(), upload=jpeg_upload(), user=None)
    pk = photo.pk

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        delete_unit_photo(photo=photo)
        raise RuntimeError("something else failed")

    assert callbacks == []
    assert UnitPhoto.objects.filter(pk=pk).exists()
    assert len(stored_files(media)) == 3


def test_it_removes_the_files_of_a_failed_transaction(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = make_unit()

    def fail(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("the database said no")

    monkeypatch.setattr(UnitPhoto, "save", fail)
    with pytest.raises(IntegrityError):
        store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)

    assert_nothing_saved(media)


def test_it_removes_the_files_already_written_when_writing_one_fails(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = []
    real_save = images.ContentFile

    def third_fails(data: bytes) -> Any:
        written.append(data)
        if len(written) == 3:
            raise OSError("disk full")
        return real_save(data)

    monkeypatch.setattr(images, "ContentFile", third_fails)
    with pytest.raises(OSError):
        store_floor_plan(floor=make_floor(), upload=png_upload(), user=None)

    assert_nothing_saved(media)


def test_it_deletes_the_files_with_a_deleted_unit_or_carrier(
    media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    carrier = make_carrier()
    unit = make_unit(carrier)
    store_unit_photo(unit=unit, upload=jpeg_upload(), user=None)
    store_floor_plan(floor=unit.floor, upload=png_upload(), user=None)
    store_carrier_cover(carrier=carrier, upload=jpeg_upload(), user=None)
    assert len(stored_files(media)) == 9

    with django_capture_on_commit_callbacks(execute=True):
        carrier.delete()

    assert stored_files(media) == []

"""Uploaded pictures: floor plans, unit photos and carrier covers.

What an upload goes through, in this order, before anything is kept:

1. Size: a file over MAX_UPLOAD_BYTES (20 MB) is refused unread.
2. Format, from the content alone: Pillow opens it with the JPEG, PNG and WebP
   decoders only, so a GIF, BMP, TIFF, SVG or text file is refused whatever
   its name or declared content type says, and a PNG named .jpg is a PNG.
3. Dimensions, from the header: an image over MAX_PIXELS (40 megapixels) is
   refused before a single pixel is decoded, so a small file declaring a huge
   image (a decompression bomb) costs nothing. The limit is ours, checked
   here; Pillow's own global bomb check is also caught, as a second line.
4. Decoding: a truncated or corrupt file is refused.
5. Re-encoding: EXIF orientation is applied (ImageOps.exif_transpose) and the
   pixels are written anew in the format detected, converted to sRGB if they
   carried a colour profile, with no EXIF (GPS, camera serials), XMP, text
   chunks or ICC profile. Two thumbnails are made once, here: SMALL (320 px)
   and LARGE (1280 px) on the long side, never enlarged.

The store_* services then save the three files under random names
(carriers.models.unguessable_upload_to) and the row, in one transaction. Files
are written first; if the transaction fails they are deleted again, so
nothing is left half-way. Replacing a floor plan or cover, or deleting a
photo, deletes the old files once the transaction has committed (the
post_delete handlers below, which also cover a cascade from a deleted floor,
unit or carrier). Call the services outside any larger transaction: if an
outer one rolled back after they returned, their files would stay behind.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from carriers.models import Carrier, CarrierCover, Floor, FloorPlan, StoredImage, Unit, UnitPhoto

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow format name -> the extension and MIME type we store and serve it with.
FORMATS = {
    "JPEG": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
}
MIME_BY_EXTENSION = dict(FORMATS.values())
WIDE_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I")
SIZES = ("full", "large", "small")
THUMB_SIDES = {"large": 1280, "small": 320}
JPEG_QUALITY = 85
WEBP_QUALITY = 85
MAX_CAPTION = 120

ImageUser = AbstractBaseUser | None


@dataclass(frozen=True)
class Processed:
    """An accepted upload, re-encoded, with its thumbnails: ready to store."""

    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int
    full: bytes
    large: bytes
    small: bytes

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]


# --- checking and re-encoding ---------------------------------------------------------


def _not_an_image() -> ValidationError:
    return ValidationError(
        _(
            "This file is not a JPEG, PNG or WebP image (whatever its name says). "
            "Save it as one of these and upload it again."
        ),
        code="not_an_image",
    )


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ValidationError:
    limit = MAX_PIXELS // 1_000_000
    if width is None or height is None:
        message = _(
            "The image has more than the limit of %(limit)s megapixels. "
            "Make it smaller and upload it again."
        ) % {"limit": limit}
    else:
        message = _(
            "The image is %(width)s × %(height)s pixels, more than the limit of "
            "%(limit)s megapixels. Make it smaller and upload it again."
        ) % {"width": width, "height": height, "limit": limit}
    return ValidationError(message, code="too_many_pixels")


def _damaged() -> ValidationError:
    return ValidationError(
        _("The image is damaged or incomplete and cannot be read. Upload it again."),
        code="damaged",
    )


def too_large(size: int | None = None) -> ValidationError:
    """The refusal of a file over MAX_UPLOAD_BYTES (`size` unknown when it was cut off)."""
    limit = MAX_UPLOAD_BYTES // 1024 // 1024
    if size is None:
        message = _("The file is larger than the limit of %(limit)s MB.") % {"limit": limit}
    else:
        message = _("The file is %(size)s MB, more than the limit of %(limit)s MB.") % {
            "size": f"{size / 1024 / 1024:.1f}",
            "limit": limit,
        }
    return ValidationError(message, code="too_large")


def check_size(upload: Any) -> None:
    size = getattr(upload, "size", None)
    if size is None:
        raise _not_an_image()
    if size > MAX_UPLOAD_BYTES:
        raise too_large(size)
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")


def process_upload(upload: Any) -> Processed:
    """Check an uploaded file and re-encode it, or raise ValidationError saying why not."""
    check_size(upload)
    upload.seek(0)
    with warnings.catch_warnings():
        # Pillow's own bomb check warns below its hard limit: treat it as a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Only these three decoders are tried: the content decides, not the name.
            image = Image.open(upload, formats=list(FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            # Pillow's header check fired first (far beyond our limit).
            raise _too_many_pixels() from exc
        except UnidentifiedImageError as exc:
            raise _not_an_image() from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _damaged() from exc
        with image:
            width, height = image.size
            # From the header alone, before any pixel is decoded.
            if width * height > MAX_PIXELS:
                raise _too_many_pixels(width, height)
            # A phone's multi-picture JPEG (depth map, HDR gain map) is a JPEG
            # whose first picture is the photo: keep that one.
            source_format = "JPEG" if image.format == "MPO" else image.format
            if source_format not in FORMATS or width < 1 or height < 1:
                raise _not_an_image()
            try:
                image.load()
                image = _upright(image)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise _too_many_pixels(width, height) from exc
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise _damaged() from exc
    image = _storable(_to_srgb(image), source_format)
    large = _thumbnail(image, THUMB_SIDES["large"])
    # The small one from the large: a quarter of the resampling work, the same look.
    small = _thumbnail(large, THUMB_SIDES["small"])
    full = _encode(image, source_format)
    # An image no bigger than a thumbnail is its own thumbnail: encode it once.
    large_bytes = full if large is image else _encode(large, source_format)
    return Processed(
        format=source_format,
        width=image.width,
        height=image.height,
        full=full,
        large=large_bytes,
        small=large_bytes if small is large else _encode(small, source_format),
    )


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (a phone's portrait photo stored sideways)."""
    upright = ImageOps.exif_transpose(image)
    return upright if upright is not None else image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB, so that dropping the ICC profile changes no colour."""
    icc = image.info.get("icc_profile")
    # Grey and palette images keep their pixels: their profiles only nudge the tone.
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    target_mode = "RGB" if image.mode == "CMYK" else image.mode
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
        converted = ImageCms.profileToProfile(image, source, srgb, outputMode=target_mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an unreadable profile: keep the pixels as they are
    return converted if converted is not None else image


def _storable(image: Image.Image, fmt: str) -> Image.Image:
    """A mode the output format writes, with no metadata left on it."""
    if image.mode in WIDE_GREY:
        # 16-bit grey (scanned plans): scale to 8 bits; a plain convert clips
        # everything above 255 to white.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if fmt == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
    elif fmt == "PNG":
        if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
    elif image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if has_alpha else "RGB")
    # Keep only what shapes the pixels (a palette's transparent index); drop
    # EXIF, XMP, ICC, comments and text chunks.
    kept = {k: v for k, v in image.info.items() if k == "transparency" and image.mode == "P"}
    image.info = kept
    return image


def _thumbnail(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image  # never enlarged: nothing to resample
    thumb = image
    if thumb.mode in ("1", "P"):
        # Palette and bilevel images would be resized pixel by pixel: smooth them first.
        thumb = thumb.convert("RGBA" if "transparency" in thumb.info else "RGB")
    else:
        thumb = thumb.copy()
    thumb.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    thumb.info = {}
    return thumb


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, exif=b"", icc_profile=None)
    elif fmt == "PNG":
        image.save(out, "PNG", compress_level=6, exif=b"")
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, exif=b"", icc_profile="")
    return out.getvalue()


# --- storing ------------------------------------------------------------------------------


def _attach(row: StoredImage, processed: Processed) -> list[str]:
    """Write the three files onto `row` (not saved yet); return their names."""
    name = "image" + processed.extension
    written: list[str] = []
    try:
        for field, data in (
            ("image", processed.full),
            ("thumb_large", processed.large),
            ("thumb_small", processed.small),
        ):
            getattr(row, field).save(name, ContentFile(data), save=False)
            written.append(getattr(row, field).name)
    except Exception:
        delete_files(written)
        raise
    row.width, row.height = processed.width, processed.height
    return written


def _store(row: StoredImage, processed: Processed, before_save: Any = None) -> StoredImage:
    """Write the files, then the row in one transaction; on failure remove the files."""
    written = _attach(row, processed)
    try:
        with transaction.atomic():
            if before_save is not None:
                before_save()
            row.save()
    except Exception:
        delete_files(written)
        raise
    return row


def store_floor_plan(*, floor: Floor, upload: Any, user: ImageUser) -> FloorPlan:
    """Store `upload` as the floor's plan, replacing (and deleting) the one before."""
    processed = process_upload(upload)
    row = FloorPlan(floor=floor, uploaded_by=user)

    def replace() -> None:
        # Lock the floor: two replacements at once would both find the old plan.
        Floor.objects.select_for_update().filter(pk=floor.pk).first()
        FloorPlan.objects.filter(floor=floor).delete()

    return _store(row, processed, replace)


def store_carrier_cover(*, carrier: Carrier, upload: Any, user: ImageUser) -> CarrierCover:
    """Store `upload` as the carrier's cover photo, replacing (and deleting) the one before."""
    processed = process_upload(upload)
    row = CarrierCover(carrier=carrier, uploaded_by=user)

    def replace() -> None:
        Carrier.objects.select_for_update().filter(pk=carrier.pk).first()
        CarrierCover.objects.filter(carrier=carrier).delete()

    return _store(row, processed, replace)


def store_unit_photo(
    *,
    unit: Unit,
    upload: Any,
    user: ImageUser,
    caption: str = "",
    position: int | None = None,
) -> UnitPhoto:
    """Add a photo to the unit; without a position it goes after the last one."""
    caption = _checked_details(caption, position)
    processed = process_upload(upload)
    row = UnitPhoto(unit=unit, uploaded_by=user, caption=caption, position=position or 0)

    def place() -> None:
        if position is None:
            # Lock the unit so that two uploads at once do not take the same place.
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            last = UnitPhoto.objects.filter(unit=unit).aggregate(last=Max("position"))["last"]
            row.position = 0 if last is None else last + 1

    return _store(row, processed, place)


def _checked_details(caption: str, position: int | None) -> str:
    """The caption as stored, or ValidationError for it or the position: the forms
    check the same, this is the rule for every other caller (the shell, an import)."""
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise ValidationError(
            _("A caption has at most %(max)s characters.") % {"max": MAX_CAPTION},
            code="caption_too_long",
        )
    if position is not None and not 0 <= position <= 32767:
        raise ValidationError(_("The position must be a number from 0."), code="bad_position")
    return caption


def update_unit_photo(*, photo: UnitPhoto, caption: str, position: int) -> UnitPhoto:
    """Change a photo's caption and place; its files stay as they are."""
    photo.caption = _checked_details(caption, position)
    photo.position = position
    photo.save(update_fields=["caption", "position"])
    return photo


def delete_unit_photo(*, photo: UnitPhoto) -> None:
    """Delete the photo; its files go once the deletion has committed."""
    with transaction.atomic():
        photo.delete()


# --- removing files -------------------------------------------------------------------------


def stored_names(row: StoredImage) -> list[str]:
    return [f.name for f in (row.image, row.thumb_large, row.thumb_small) if f and f.name]


def delete_files(names: Iterable[str]) -> None:
    """Remove stored files; a file already gone is no error (a retried cleanup)."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("Could not delete stored image file %s", name, exc_info=True)


@receiver(post_delete, sender=FloorPlan)
@receiver(post_delete, sender=UnitPhoto)
@receiver(post_delete, sender=CarrierCover)
def _delete_files_after_commit(sender: type, instance: StoredImage, **kwargs: Any) -> None:
    # After commit: a rolled-back deletion must still find its files.
    names = stored_names(instance)
    transaction.on_commit(lambda: delete_files(names))

"""Pictures for the tests: real encoded images made with Pillow, and bad files of every kind."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), color: Any = (40, 120, 200), **save: Any
) -> bytes:
    mode = "RGBA" if fmt in ("PNG", "WEBP") and len(color) == 4 else "RGB"
    if fmt in ("BMP", "GIF", "TIFF"):
        mode = "RGB"
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_upload(size: tuple[int, int] = (64, 48), name: str = "plan.png") -> Any:
    return upload(image_bytes("PNG", size), name, "image/png")


def jpeg_upload(size: tuple[int, int] = (64, 48), name: str = "photo.jpg") -> Any:
    return upload(image_bytes("JPEG", size), name, "image/jpeg")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header claims width × height pixels:
    a decompression bomb, cheap to make and to refuse (nothing is ever decoded)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def jpeg_with_exif(size: tuple[int, int], orientation: int) -> bytes:
    """A JPEG whose EXIF says how to turn it, with a camera make and GPS to strip."""
    image = Image.new("RGB", size, (200, 30, 30))
    # A marker pixel block top-left, to see where the turn put it.
    image.paste((0, 0, 0), (0, 0, size[0] // 4, size[1] // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SecretCam"
    exif[0x8825] = {1: "N", 2: (31.0, 23.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())

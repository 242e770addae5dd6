"""Uploads kept between a dry run and its confirmation.

A file that passed its dry run is kept under MEDIA_ROOT/imports/<token>/ with
the report shown to its uploader: the token is random (192 bits) and tied to
the user who uploaded, so nobody else can confirm, read or even learn of it.
The confirmation imports these very bytes, not a second upload that might
differ. Kept files are removed once imported, and any left older than a day
at the next upload.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from carriers.imports.reading import Source
from carriers.imports.report import Report

TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
MAX_AGE = 24 * 3600  # seconds


@dataclass
class Pending:
    token: str
    sources: list[Source]
    report: Report


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def save_pending(sources: list[Source], *, user: AbstractBaseUser, report: Report) -> str:
    sweep()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    for i, source in enumerate(sources):
        (folder / f"{i}.bin").write_bytes(source.data)
    meta = {
        "user": user.pk,
        "created": time.time(),
        "names": [s.name for s in sources],
        "report": report.to_dict(),
    }
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def load_pending(token: str, *, user: AbstractBaseUser) -> Pending | None:
    """The upload kept under this token for this user, or None (as if there were none)."""
    if not TOKEN.fullmatch(token):
        return None
    folder = _root() / token
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user") != user.pk or time.time() - meta.get("created", 0) > MAX_AGE:
        return None
    sources = [
        Source(name, (folder / f"{i}.bin").read_bytes()) for i, name in enumerate(meta["names"])
    ]
    return Pending(token, sources, Report.from_dict(meta["report"]))


def discard(token: str) -> None:
    if TOKEN.fullmatch(token):
        shutil.rmtree(_root() / token, ignore_errors=True)


def sweep() -> None:
    """Remove uploads nobody confirmed within MAX_AGE."""
    root = _root()
    if not root.is_dir():
        return
    limit = time.time() - MAX_AGE
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue

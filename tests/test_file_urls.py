"""Every URL that serves a file, as every role: only to those in scope (DESIGN.md §1).

Files are pictures (floor plans, unit photos, carrier covers, each in three
sizes), reports (a finished job's download, each carrier's PDF, Excel and CSV)
and the import template. Which roles get each one is the access matrix's
decision (tests/test_access_matrix.py, GET): here every such URL is fetched as
every role in the matrix's world, and a 200 must be the file itself, with the
right type, disposition and caching; every other answer is the matrix's
refusal (the login page, 404 as for nothing, or leadership's 403 on a managers'
tool).

FILES is checked against the resolver: every URL of the apps is asked for by a
role it serves, and whatever answers with a file (an attachment, a stream, or
anything but HTML or JSON) must have a row here, so a new download cannot slip
in untested. Files are never reachable under MEDIA_URL (config/urls.py mounts
no such route, with DEBUG on or off), through the static route, or by a
traversing path; nor is any folder listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import reverse

from carriers.media_views import FIELDS
from tests.test_access_matrix import (  # the matrix's world and decisions
    GET,
    OK,
    ROLES,
    TARGETS,
    World,
    _discovered_names,
    assert_answer,
    client_for,
    url_for,
    world,  # noqa: F401 (a fixture)
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Served:
    content_type: str  # what the Content-Type starts with
    attachment: bool  # a download (Content-Disposition: attachment), else shown inline
    private: bool  # scoped content: no shared cache may keep it
    body: Callable[[World, dict[str, Any], bytes], bool]  # is this the file?


def _picture(attribute: str) -> Callable[[World, dict[str, Any], bytes], bool]:
    def stored(w: World, kwargs: dict[str, Any], body: bytes) -> bool:
        field = getattr(getattr(w, attribute), FIELDS[kwargs["size"]])
        with field.open("rb") as handle:
            return body == handle.read()

    return stored


def _starts(magic: bytes) -> Callable[[World, dict[str, Any], bytes], bool]:
    return lambda w, kwargs, body: body.startswith(magic)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES: dict[str, Served] = {
    "files:plan": Served("image/", False, True, _picture("plan_x")),
    "files:photo": Served("image/", False, True, _picture("photo_a")),
    "files:cover": Served("image/", False, True, _picture("cover_x")),
    "reports:job_download": Served("application/pdf", True, True, _starts(b"%PDF-")),
    "reports:carrier_pdf": Served("application/pdf", True, True, _starts(b"%PDF-")),
    "reports:carrier_xlsx": Served(XLSX, True, True, _starts(b"PK\x03\x04")),
    "reports:carrier_csv": Served("text/csv", True, True, lambda w, k, body: bool(body.decode())),
    # The same empty workbook for every manager: nothing in it is anyone's.
    "workspace:import_template": Served(XLSX, True, False, _starts(b"PK\x03\x04")),
}
SIZES = ("full", "large", "small")


def file_urls(name: str, w: World) -> list[tuple[str, dict[str, Any]]]:
    """The URL of the world's file for this name, in each size for pictures."""
    target = TARGETS.get(name)
    kwargs = target(w) if target else {}
    if "size" not in kwargs:
        return [(url_for(name, w), kwargs)]
    urls = []
    for size in SIZES:
        sized = {**kwargs, "size": size}
        urls.append((reverse(name, kwargs=sized), sized))
    return urls


def is_a_file(response: HttpResponse) -> bool:
    kind = response.get("Content-Type", "").split(";")[0]
    return (
        response.has_header("Content-Disposition")
        or response.streaming
        or kind not in {"text/html", "application/json"}
    )


def test_it_has_a_row_for_every_url_that_serves_a_file(world: World) -> None:  # noqa: F811
    serving: set[str] = set()
    for name in sorted(_discovered_names()):
        row = GET.get(name)
        assert row is not None, f"{name}: not in the access matrix"
        if OK not in row:
            continue  # serves nobody anything on GET
        role = ROLES[row.index(OK)]
        response = client_for(world, role).get(url_for(name, world))
        assert response.status_code == 200, f"{name} as {role}"
        if is_a_file(response):
            serving.add(name)
    assert serving == set(FILES), (
        f"serve files but have no row: {sorted(serving - set(FILES))}; "
        f"rows that serve no file: {sorted(set(FILES) - serving)}"
    )


CASES = [pytest.param(name, role, id=f"{name}-{role}") for name in FILES for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_it_serves_each_file_only_to_the_roles_in_scope(
    world: World,  # noqa: F811
    name: str,
    role: str,
) -> None:
    expected = GET[name][ROLES.index(role)]
    served = FILES[name]
    client = client_for(world, role)
    for url, kwargs in file_urls(name, world):
        response = client.get(url)
        context = f"GET {url} as {role}"
        assert_answer(response, expected, name, context)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if expected != OK:
            assert not is_a_file(response) or response.status_code == 302, context
            continue
        assert response["Content-Type"].startswith(served.content_type), context
        disposition = response.get("Content-Disposition", "")
        wanted = "attachment" if served.attachment else "inline"
        assert disposition.startswith(wanted), f"{context}: {disposition!r}"
        if served.private:
            cache = response.get("Cache-Control", "")
            assert "private" in cache or "no-store" in cache, f"{context}: {cache!r}"
        assert response["X-Content-Type-Options"] == "nosniff", context
        assert served.body(world, kwargs, body), f"{context}: not the file"


def test_it_tries_each_file_as_every_role() -> None:
    """The control of the table: each file is somebody's and hidden from somebody."""
    for name in FILES:
        row = GET[name]
        assert OK in row, name
        assert row[ROLES.index("anonymous")].to == "login", name
        assert any(expected.status == 404 for expected in row), name


# --- never by their stored names ---------------------------------------------------------


def stored_names(w: World) -> list[str]:
    """Every file the world keeps under MEDIA_ROOT, as paths relative to it."""
    names = [
        getattr(picture, field).name
        for picture in (w.plan_x, w.photo_a, w.cover_x)
        for field in FIELDS.values()
    ]
    assert w.job_x is not None
    names.append(w.job_x.file.name)
    names += [f"imports/{w.import_x}/0.bin", f"imports/{w.import_x}/meta.json"]
    return names


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_it_never_serves_media_root_by_a_path(
    world: World,  # noqa: F811
    settings: Any,
    debug: bool,
) -> None:
    settings.DEBUG = debug
    client = client_for(world, "admin")  # who may see every file through its view
    names = stored_names(world)
    for name in names:
        assert (Path(settings.MEDIA_ROOT) / name).is_file(), f"the control: {name} is stored"
    media = "/" + settings.MEDIA_URL.strip("/") + "/"
    paths = [
        prefix + name
        for name in names
        for prefix in (media, "/static/../media/", "/files/../media/", "/static/%2e%2e/media/")
    ]
    # Folders are never listed; settings and code are never reached from the static route.
    paths += [media, f"{media}imports/", "/static/", "/files/", "/files/plans/"]
    paths += ["/static/../config/settings.py", "/static/%2e%2e/manage.py", "/static/../db.sqlite3"]
    if debug:  # the control: the static route serves, just nothing outside static/
        assert client.get("/static/zaiti.css").status_code == 200
    for path in paths:
        response = client.get(path)
        assert response.status_code == 404, f"{path} (DEBUG={debug}): {response.status_code}"
        assert not is_a_file(response) or response["Content-Type"].startswith("text/html"), path

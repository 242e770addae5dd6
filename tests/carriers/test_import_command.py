"""`manage.py import_space`: the summary, the error report, and its exit statuses."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from carriers.models import Carrier, Unit
from tests.carriers.importing import example, xlsx, zone
from tests.factories import make_carrier
from tests.leasing.workflow import make_manager

pytestmark = pytest.mark.django_db


def call(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("import_space", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_imports_a_file_and_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "zone.xlsx"
    path.write_bytes(xlsx(zone()))

    status, out, _err = call(str(path))

    assert status == 0
    assert Unit.objects.filter(code="A-301").exists()
    assert "载体" in out  # the summary, by sheet, in Chinese by default


def test_it_writes_nothing_on_a_dry_run(tmp_path: Path) -> None:
    path = tmp_path / "zone.xlsx"
    path.write_bytes(xlsx(zone()))

    status, out, _err = call(str(path), "--dry-run", "--rows")

    assert status == 0 and not Carrier.objects.exists()
    assert "demo-inc / A-301" in out


def test_it_exits_one_with_the_error_report_when_a_row_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "zone.xlsx"
    path.write_bytes(xlsx(zone(units=[example("units", usable_area=999)])))

    status, _out, err = call(str(path))

    assert status == 1 and not Carrier.objects.exists()
    assert "「单元」" in err and "「套内面积」" in err


def test_it_exits_two_for_a_file_it_cannot_read(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")

    assert call(str(empty))[0] == 2
    assert call(str(junk))[0] == 2
    assert not Carrier.objects.exists()


def test_it_reports_in_english_on_request(tmp_path: Path) -> None:
    path = tmp_path / "zone.xlsx"
    path.write_bytes(xlsx(zone(units=[example("units", gross_area=-1)])))

    status, _out, err = call(str(path), "--lang", "en")

    assert status == 1
    assert "Sheet 「单元」, row 2, column 「建筑面积」: Must be greater than zero." in err


def test_it_imports_with_a_managers_scope(tmp_path: Path) -> None:
    path = tmp_path / "zone.xlsx"
    path.write_bytes(xlsx(zone()))
    make_manager(make_carrier(code="theirs", name="别家载体"), username="mgr")

    status, _out, err = call(str(path), "--user", "mgr")

    assert status == 1 and "demo-inc" in err
    assert not Carrier.objects.filter(code="demo-inc").exists()


def test_it_writes_the_template(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"

    assert call("--template", str(path))[0] == 0
    assert call(str(path))[0] == 0
    assert Carrier.objects.get().code == "demo-inc"

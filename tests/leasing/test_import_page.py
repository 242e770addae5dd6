"""The workspace's import page: upload, dry run, confirm; scope; bad uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from carriers.imports.template import template_workbook
from carriers.models import Carrier, Unit
from tests.carriers.importing import example, xlsx, zone
from tests.factories import make_carrier, make_tenant
from tests.leasing.workflow import make_leadership, make_manager, make_tenant_user, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "zone.xlsx") -> Any:
    return client.post(reverse("workspace:import"), {"files": SimpleUploadedFile(name, data)})


def test_it_runs_a_dry_run_then_imports_on_confirmation() -> None:
    client = client_for(make_user("admin", is_superuser=True))

    response = upload(client, template_workbook(), "template.xlsx")

    assert response.status_code == 302
    assert not Carrier.objects.exists()  # a dry run only
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert "demo-inc / A-301" in preview.content.decode()
    apply_url = response["Location"] + "apply/"
    done = client.post(apply_url)
    assert done.status_code == 302 and done["Location"] == reverse("workspace:import")
    assert Unit.objects.filter(code="A-301").exists()
    # The kept upload is gone once imported: a second confirmation finds nothing.
    assert client.post(apply_url).status_code == 404


def test_it_shows_refused_rows_and_keeps_nothing(settings: Any) -> None:
    client = client_for(make_user("admin", is_superuser=True))

    response = upload(client, xlsx(zone(units=[example("units", gross_area=0)])))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="errorlist import-errors"' in body and "「建筑面积」" in body
    assert not Carrier.objects.exists()
    assert not (settings.MEDIA_ROOT / "imports").exists() or not any(
        (settings.MEDIA_ROOT / "imports").iterdir()
    )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.xlsx"),
        (b"%PDF-1.4", "report.pdf"),
        ("名称,颜色\n甲,红\n".encode(), "whatever.csv"),
    ],
)
def test_it_refuses_a_bad_upload_with_a_message(data: bytes, name: str) -> None:
    client = client_for(make_user("admin", is_superuser=True))

    response = upload(client, data, name)

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert not Carrier.objects.exists()


def test_it_refuses_a_file_over_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from carriers.imports import reading

    monkeypatch.setattr(reading, "MAX_BYTES", 1000)
    client = client_for(make_user("admin", is_superuser=True))

    response = upload(client, template_workbook())

    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()


def test_it_lets_a_manager_import_only_their_carriers_rows() -> None:
    own = make_carrier(code="demo-inc", name="示例科创孵化器")
    make_carrier(code="other", name="别家载体")
    client = client_for(make_manager(own))
    mine = zone(carriers=[], qualifications=[], leases=[])
    theirs = zone(carriers=[], buildings=[example("buildings", carrier="other")])

    ok = upload(client, xlsx(mine))
    refused = upload(client, xlsx(theirs))

    assert ok.status_code == 302
    assert refused.status_code == 200 and "other" in refused.content.decode()
    assert client.post(ok["Location"] + "apply/").status_code == 302
    assert Unit.objects.filter(carrier=own, code="A-301").exists()


def test_it_keeps_an_upload_to_its_uploader() -> None:
    own = make_carrier(code="demo-inc", name="示例科创孵化器")
    manager = make_manager(own)
    response = upload(client_for(manager), xlsx(zone(carriers=[], qualifications=[], leases=[])))
    other = client_for(make_manager(own))

    assert other.get(response["Location"]).status_code == 404
    assert other.post(response["Location"] + "apply/").status_code == 404
    assert not Unit.objects.exists()


def test_it_refuses_leadership_and_hides_from_tenants() -> None:
    leader = client_for(make_leadership())
    tenant = client_for(make_tenant_user(make_tenant()))
    for url in (reverse("workspace:import"), reverse("workspace:import_template")):
        assert leader.get(url).status_code == 403
        assert tenant.get(url).status_code == 404
    assert upload(leader, template_workbook()).status_code == 403
    assert not Carrier.objects.exists()


def test_it_serves_the_template() -> None:
    client = client_for(make_user("admin", is_superuser=True))

    response = client.get(reverse("workspace:import_template"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:4] == b"PK\x03\x04"


def test_it_keeps_the_upload_when_the_confirmation_is_refused() -> None:
    client = client_for(make_user("admin", is_superuser=True))
    response = upload(client, template_workbook(), "template.xlsx")
    preview, apply_url = response["Location"], response["Location"] + "apply/"
    # Meanwhile someone gives another carrier the file's carrier name.
    rival = make_carrier(code="rival", name="示例科创孵化器")

    refused = client.post(apply_url)

    assert refused.status_code == 200
    body = refused.content.decode()
    assert 'class="errorlist import-errors"' in body and "rival" in body
    assert f'href="{preview}"' in body
    assert not Unit.objects.exists()
    assert client.get(preview).status_code == 200  # kept: no need to upload again
    rival.name = "另一个载体"
    rival.save()
    done = client.post(apply_url)
    assert done.status_code == 302
    assert Unit.objects.filter(code="A-301").exists()
    assert client.post(apply_url).status_code == 404  # gone once imported

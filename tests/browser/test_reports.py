"""Leadership builds the district report in a real browser, watches it finish, downloads it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reports import jobs
from reports.models import ReportJob
from tests.reports.report_world import X_NAME, build_world

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Leadership-Reads-2026"


def test_it_builds_the_district_report_and_downloads_the_pdf(
    page: Page, settings: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # The job stays queued until this test plays the worker, so the page must
    # follow it by polling, as it would a worker on another machine.
    monkeypatch.setattr(jobs, "_dispatch", lambda job: None)
    world = build_world()
    world.leader.set_password(PASSWORD)
    world.leader.save()
    base = page.base_url

    page.goto(f"{base}/accounts/login/?next=/reports/")
    page.fill("input[name=username]", world.leader.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"{base}/reports/")
    expect(page.get_by_text(X_NAME).first).to_be_visible()

    page.click("button[name=kind][value=district_pdf]")

    page.wait_for_url("**/reports/jobs/*/")
    progress = page.locator("[data-job-progress]")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator("[data-job-done]")).to_be_hidden()
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.QUEUED

    jobs.report_run(str(job.pk))  # the worker

    expect(progress).to_have_attribute("value", "100")
    expect(page.locator("[data-job-percent]")).to_have_text("100%")
    link = page.locator("[data-job-download]")
    expect(link).to_be_visible()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.startswith("district-")
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / "district.pdf"
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    page.screenshot(path=str(tmp_path / "job.png"))

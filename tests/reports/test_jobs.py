"""Report jobs and downloads: built once, inline or on RQ, only for who may read them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from leasing.access import scope_for
from reports import jobs
from reports.models import ReportJob
from tests.reports.report_world import X_NAME, ReportWorld, media, world

pytestmark = pytest.mark.django_db
__all__ = ["media", "world"]

PARAMS = {"on": "2026-06-30", "lang": "zh-hans"}


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- asking and building -----------------------------------------------------------------


def test_it_builds_a_district_pdf_inline_without_redis(
    world: ReportWorld, settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.REDIS_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.report_request(
            kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope_for(world.leader)
        )

    job.refresh_from_db()  # built when the request's transaction committed
    assert job.status == ReportJob.Status.DONE
    assert (job.progress_done, job.progress_total, job.percent) == (2, 2, 100)
    assert job.filename == "district-2026-06-30.pdf"
    path = Path(job.file.path)
    assert path.read_bytes().startswith(b"%PDF")
    # Stored under an unguessable directory, not under the job's id.
    assert str(job.pk) not in job.file.name and len(path.parent.name) >= 32
    assert sorted(job.carrier_ids) == sorted([world.x.pk, world.y.pk])


def test_it_covers_only_a_managers_carriers(
    world: ReportWorld, settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.REDIS_URL = ""  # inline
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.report_request(
            kind=ReportJob.Kind.DISTRICT_XLSX, params=PARAMS, scope=scope_for(world.manager_x)
        )
    job.refresh_from_db()
    assert job.carrier_ids == [world.x.pk]
    assert job.status == ReportJob.Status.DONE


def test_it_builds_the_same_report_asked_twice_once(world: ReportWorld) -> None:
    """The second request finds the first still queued and joins it."""
    scope = scope_for(world.leader)

    first = jobs.report_request(kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope)
    second = jobs.report_request(kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope)
    other_day = jobs.report_request(
        kind=ReportJob.Kind.DISTRICT_PDF, params={**PARAMS, "on": "2026-07-01"}, scope=scope
    )

    # (on_commit never ran inside the test's transaction: both are still queued.)
    assert first.status == ReportJob.Status.QUEUED
    assert second.pk == first.pk
    assert other_day.pk != first.pk
    assert ReportJob.objects.count() == 2


def test_it_lets_the_database_refuse_a_second_live_job(world: ReportWorld) -> None:
    """The negative control of the dedupe: the constraint itself says no."""
    from django.db import IntegrityError, transaction

    ReportJob.objects.create(kind="district_pdf", dedupe_key="k", params=PARAMS)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJob.objects.create(kind="district_pdf", dedupe_key="k", params=PARAMS)
    # A finished job no longer blocks the key.
    ReportJob.objects.filter(dedupe_key="k").update(status=ReportJob.Status.DONE)
    ReportJob.objects.create(kind="district_pdf", dedupe_key="k", params=PARAMS)


def test_it_builds_again_once_the_first_has_finished(world: ReportWorld) -> None:
    scope = scope_for(world.leader)
    first = jobs.report_request(kind=ReportJob.Kind.DISTRICT_CSV, params=PARAMS, scope=scope)
    jobs.report_run(str(first.pk))

    again = jobs.report_request(kind=ReportJob.Kind.DISTRICT_CSV, params=PARAMS, scope=scope)

    assert again.pk != first.pk


def test_it_prunes_reports_finished_over_a_week_ago_with_their_files(
    world: ReportWorld,
) -> None:
    import datetime as dt

    from django.utils import timezone

    scope = scope_for(world.leader)
    made = []
    for table in ("league", "floors", "kpis"):
        job = jobs.report_request(
            kind=ReportJob.Kind.DISTRICT_CSV, params={**PARAMS, "table": table}, scope=scope
        )
        jobs.report_run(str(job.pk))
        job.refresh_from_db()
        made.append(job)
    old, recent, fresh = made
    now = timezone.now()
    ReportJob.objects.filter(pk=old.pk).update(finished_at=now - jobs.KEEP_FOR - dt.timedelta(1))
    ReportJob.objects.filter(pk=recent.pk).update(finished_at=now - jobs.KEEP_FOR + dt.timedelta(1))
    live = ReportJob.objects.create(kind="district_pdf", dedupe_key="live", params=PARAMS)
    ReportJob.objects.filter(pk=live.pk).update(finished_at=now - dt.timedelta(days=30))

    assert jobs.report_prune() == 1

    assert not Path(old.file.path).exists()
    assert not Path(old.file.path).parent.exists()
    assert not ReportJob.objects.filter(pk=old.pk).exists()
    for kept in (recent, fresh):
        assert Path(kept.file.path).exists()
    assert ReportJob.objects.filter(pk=live.pk).exists()  # never a queued or running one
    assert jobs.report_prune() == 0


def test_it_abandons_a_job_that_stopped_moving(world: ReportWorld) -> None:
    import datetime as dt

    from django.utils import timezone

    scope = scope_for(world.leader)
    stuck = jobs.report_request(kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope)
    ReportJob.objects.filter(pk=stuck.pk).update(
        status=ReportJob.Status.RUNNING, updated_at=timezone.now() - dt.timedelta(hours=1)
    )

    fresh = jobs.report_request(kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope)

    assert fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.status == ReportJob.Status.FAILED and stuck.error


def test_it_tells_a_page_following_a_stuck_job_that_it_failed(world: ReportWorld) -> None:
    import datetime as dt

    from django.utils import timezone

    stuck = ReportJob.objects.create(
        kind=ReportJob.Kind.DISTRICT_PDF,
        params=PARAMS,
        dedupe_key="stuck",
        carrier_ids=[world.x.pk],
        requested_by=world.leader,
        status=ReportJob.Status.QUEUED,  # a lost queue entry: no worker will ever take it
    )
    ReportJob.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))

    status = client_for(world.leader).get(reverse("reports:job_status", args=[stuck.pk])).json()

    assert status["status"] == "failed" and status["error"]


def test_it_runs_a_job_once_even_if_started_twice(world: ReportWorld) -> None:
    job = jobs.report_request(
        kind=ReportJob.Kind.DISTRICT_CSV, params=PARAMS, scope=scope_for(world.leader)
    )
    jobs.report_run(str(job.pk))
    job.refresh_from_db()
    finished = job.finished_at

    jobs.report_run(str(job.pk))  # a second worker, or a retry: nothing to do

    job.refresh_from_db()
    assert job.finished_at == finished


def test_it_marks_a_failed_build_with_a_clear_message(
    world: ReportWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> bytes:
        raise MemoryError

    monkeypatch.setattr("reports.pdf.district.district_report", broken)
    job = jobs.report_request(
        kind=ReportJob.Kind.DISTRICT_PDF,
        params={**PARAMS, "lang": "en"},
        scope=scope_for(world.leader),
    )

    jobs.report_run(str(job.pk))

    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    assert "could not be built (MemoryError)" in job.error
    assert not job.file


def test_it_builds_inline_when_redis_is_set_but_unreachable(
    world: ReportWorld, settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    # A closed port on this machine: connection refused at once.
    settings.REDIS_URL = "redis://127.0.0.1:1/13"

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.leader).post(
            reverse("reports:build"), {"kind": "district_pdf", "on": "2026-06-30"}
        )

    assert response.status_code == 302
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    assert job.status == ReportJob.Status.DONE


@pytest.mark.redis
def test_it_queues_on_redis_and_a_worker_builds_it(
    world: ReportWorld, django_capture_on_commit_callbacks: Callable
) -> None:
    from rq import SimpleWorker

    queue = jobs.queue()
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.report_request(
            kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope_for(world.leader)
        )
    job.refresh_from_db()
    assert job.status == ReportJob.Status.QUEUED  # on the queue, not built in the request
    assert queue.count == 1

    # In this process and connection, so the worker sees the test's data.
    SimpleWorker([queue], connection=queue.connection).work(burst=True)

    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE, job.error
    assert Path(job.file.path).read_bytes().startswith(b"%PDF")
    assert queue.count == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_builds_once_when_two_ask_at_the_same_moment(media: Path) -> None:
    """Two threads, two connections, one key: the database lets one insert win."""
    from tests.reports.report_world import build_world

    world_ = build_world()
    scope = scope_for(world_.leader)
    barrier = threading.Barrier(2)
    results: list[ReportJob] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            barrier.wait()
            results.append(
                jobs.report_request(kind=ReportJob.Kind.DISTRICT_PDF, params=PARAMS, scope=scope)
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    old = settings.REDIS_URL
    # Keep the jobs queued: point at a queue nobody works, so neither is built inline.
    try:
        threads = [threading.Thread(target=ask) for _ in range(2)]
        with _no_dispatch():
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        settings.REDIS_URL = old
    assert errors == []
    assert len(results) == 2
    assert results[0].pk == results[1].pk
    assert ReportJob.objects.count() == 1


class _no_dispatch:
    def __enter__(self) -> None:
        self.saved = jobs._dispatch
        jobs._dispatch = lambda job: None

    def __exit__(self, *exc: object) -> None:
        jobs._dispatch = self.saved


# --- the pages ------------------------------------------------------------------------------


def test_it_downloads_a_carrier_pdf_excel_and_csv(world: ReportWorld) -> None:
    client = client_for(world.manager_x)
    for name, kind in (
        ("reports:carrier_pdf", "application/pdf"),
        ("reports:carrier_xlsx", "application/vnd.openxmlformats"),
        ("reports:carrier_csv", "text/csv"),
    ):
        response = client.get(reverse(name, args=[world.x.code]), {"on": "2026-06-30"})
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith(kind), name
        assert "attachment" in response["Content-Disposition"]
        assert "2026-06-30" in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"on": "2026-13-45"}, "Enter the date as YYYY-MM-DD"),
        ({"on": "30/06/2026"}, "Enter the date as YYYY-MM-DD"),
        ({"on": "1899-01-01"}, "Choose a date between"),
        ({"table": "passwords"}, "There is no such table"),
    ],
)
def test_it_answers_a_bad_date_or_table_with_a_clear_400(
    world: ReportWorld, query: dict[str, str], message: str
) -> None:
    client = client_for(world.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    names = (
        ("reports:carrier_csv",)
        if "table" in query
        else (
            "reports:carrier_pdf",
            "reports:carrier_xlsx",
            "reports:carrier_csv",
        )
    )
    for name in names:
        response = client.get(reverse(name, args=[world.x.code]), query)
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
        assert response["Content-Type"].startswith("text/html")


def test_it_refuses_a_bad_build_request_and_builds_nothing(world: ReportWorld) -> None:
    client = client_for(world.leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for data in (
        {"kind": "district_pdf", "on": "not-a-date"},
        {"kind": "carrier_pdf", "on": "2026-06-30"},  # not a district kind
        {"kind": "district_csv", "on": "2026-06-30", "table": "nope"},
        {},
    ):
        response = client.post(reverse("reports:build"), data)
        assert response.status_code == 400, data
        assert "Nothing was built." in response.content.decode()
    assert not ReportJob.objects.exists()
    # A bad date on the page itself: today instead, said clearly.
    page = client.get(reverse("reports:district"), {"on": "2026-02-30"})
    assert page.status_code == 400
    assert "Showing today instead." in page.content.decode()


def test_it_shows_the_progress_and_the_download_to_those_in_scope(
    world: ReportWorld, settings: object, django_capture_on_commit_callbacks: Callable
) -> None:
    settings.REDIS_URL = ""  # inline
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.manager_x).post(
            reverse("reports:build"), {"kind": "district_pdf", "on": "2026-06-30"}
        )
    job = ReportJob.objects.get()
    status_url = reverse("reports:job_status", args=[job.pk])
    download_url = reverse("reports:job_download", args=[job.pk])
    assert response["Location"] == reverse("reports:job", args=[job.pk])

    for user, allowed in (
        (world.manager_x, True),
        (world.leader, True),
        (world.manager_y, False),  # X's report: not in Y's manager's scope
        (world.tenant_user, False),
    ):
        client = client_for(user)
        page = client.get(response["Location"])
        status = client.get(status_url)
        download = client.get(download_url)
        if allowed:
            assert page.status_code == 200
            assert 'data-job-status="' + status_url in page.content.decode()
            assert status.json()["status"] == "done"
            assert status.json()["percent"] == 100
            assert status.json()["download_url"] == download_url
            assert download.status_code == 200
            body = b"".join(download.streaming_content)
            assert body.startswith(b"%PDF")
            assert 'filename="district-2026-06-30.pdf"' in download["Content-Disposition"]
        else:
            assert (page.status_code, status.status_code, download.status_code) == (404, 404, 404)


def test_it_lists_only_the_carriers_in_scope(world: ReportWorld) -> None:
    body = client_for(world.manager_x).get(reverse("reports:district")).content.decode()
    assert X_NAME in body
    assert world.y.name not in body
    leader = client_for(world.leader).get(reverse("reports:district")).content.decode()
    assert X_NAME in leader and world.y.name in leader


def test_it_hides_reports_from_tenants_and_other_managers(world: ReportWorld) -> None:
    for user in (world.tenant_user, world.manager_y):
        client = client_for(user)
        for name in ("reports:carrier_pdf", "reports:carrier_xlsx", "reports:carrier_csv"):
            assert client.get(reverse(name, args=[world.x.code])).status_code == 404
    tenant = client_for(world.tenant_user)
    assert tenant.get(reverse("reports:district")).status_code == 404
    assert tenant.post(reverse("reports:build"), {"kind": "district_pdf"}).status_code == 404
    assert not ReportJob.objects.exists()


def test_it_writes_english_when_the_page_is_english(world: ReportWorld) -> None:
    with translation.override("en"):
        client = client_for(world.leader)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get(reverse("reports:district"))
    assert "Build district report (PDF)" in response.content.decode()
    assert connection.vendor in {"sqlite", "postgresql"}

"""Report jobs: ask for a report, build it once, in the background when Redis is there.

- `report_request` records the job. The database decides that the same report
  asked for twice at once is built once: a second request for a key that is
  already queued or running cannot insert its own row (the partial unique
  constraint on ReportJob) and gets the live job back.
- With settings.REDIS_URL set, the job goes on the RQ queue "reports" and a
  worker (`manage.py report_worker`, `make worker`) builds it. Without Redis, or
  when Redis does not answer, it is built inline, in the request: slower, never
  an error (DESIGN.md §4.3: Redis accelerates, never decides).
- `report_run` builds the file, writes progress to the job row as it goes, and
  ends the job done or failed with a message a person can act on.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from carriers.models import Carrier
from leasing.access import Scope, get_in_scope
from reports.models import ReportJob

logger = logging.getLogger("zaiti.reports")

QUEUE = "reports"
# A queued or running job that has not moved for this long is abandoned (its
# worker died): it stops blocking new requests for the same report.
STALE_AFTER = dt.timedelta(minutes=15)
# The district PDF for 600 carriers takes about a minute and a half.
JOB_TIMEOUT = 30 * 60
PROGRESS_EVERY = 0.5  # seconds between progress writes
# Finished reports (their files and rows) are kept this long, then pruned by the
# next build: long enough to download again, not forever on the disk.
KEEP_FOR = dt.timedelta(days=7)

Kind = ReportJob.Kind
DISTRICT_KINDS = (Kind.DISTRICT_PDF, Kind.DISTRICT_XLSX, Kind.DISTRICT_CSV)
CARRIER_KINDS = (Kind.CARRIER_PDF, Kind.CARRIER_XLSX)


# --- asking ------------------------------------------------------------------------------


def _carrier_ids(kind: str, params: dict[str, Any], scope: Scope) -> list[int]:
    """The carriers the report reads: the one asked for, or everything in scope."""
    if kind in CARRIER_KINDS:
        carrier = get_in_scope(scope.carriers(), pk=params["carrier"])
        return [carrier.pk]
    return sorted(scope.carriers().values_list("pk", flat=True))


def dedupe_key(kind: str, params: dict[str, Any], carrier_ids: list[int]) -> str:
    blob = json.dumps([kind, params, sorted(carrier_ids)], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def report_request(*, kind: str, params: dict[str, Any], scope: Scope) -> ReportJob:
    """The job building this report for this scope: a new one, or the one already live.

    `params` holds the date ("on", ISO) and language ("lang"), and for a
    carrier report the carrier's id ("carrier"), which must be in scope (404).
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    carrier_ids = _carrier_ids(kind, params, scope)
    key = dedupe_key(kind, params, carrier_ids)
    user = scope.user if scope.user.is_authenticated else None
    for _attempt in range(3):
        abandon_stale(dedupe_key=key)
        try:
            # A savepoint: on PostgreSQL a failed INSERT would otherwise poison
            # the caller's transaction.
            with transaction.atomic():
                job = ReportJob.objects.create(
                    kind=kind,
                    params=params,
                    dedupe_key=key,
                    carrier_ids=carrier_ids,
                    requested_by=user,
                )
        except IntegrityError:
            # Another request won the race for this key: theirs is the job.
            live = ReportJob.objects.live().filter(dedupe_key=key).first()
            if live is not None:
                return live
            continue  # it finished between our INSERT and this read: try again
        _dispatch(job)
        job.refresh_from_db()  # built already when inline
        return job
    raise RuntimeError("could not record or find the report job")  # pragma: no cover


def abandon_stale(**lookup: object) -> None:
    """Fail live jobs that stopped making progress (a dead worker, a lost queue entry).

    Run when the same report is asked for again and whenever a job's status
    is read, so a page following a stuck job stops waiting.
    """
    ReportJob.objects.live().filter(updated_at__lt=timezone.now() - STALE_AFTER, **lookup).update(
        status=ReportJob.Status.FAILED,
        error=_("Abandoned: the report stopped making progress. Ask for it again."),
        finished_at=timezone.now(),
    )


def _dispatch(job: ReportJob) -> None:
    # After commit: a worker must find the row when it picks the job up, and an
    # inline build must not hold the caller's transaction open. (Outside a
    # transaction, on_commit runs at once.)
    transaction.on_commit(functools.partial(report_start, str(job.pk)))


def report_start(job_id: str) -> None:
    """On the queue when Redis is set and answers; otherwise built here and now."""
    if settings.REDIS_URL:
        try:
            queue().enqueue(
                report_run,
                job_id,
                job_id=f"report-{job_id}",
                result_ttl=3600,
                failure_ttl=24 * 3600,
            )
            return
        except (RedisError, OSError) as exc:
            logger.warning("Redis unavailable (%s): building report %s inline", exc, job_id)
    report_run(job_id)


def redis_connection() -> Redis:
    # Short connect timeout: a dead Redis must cost milliseconds before the
    # inline fallback, not the request's whole budget.
    return Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=5, retry_on_timeout=False
    )


def queue(connection: Redis | None = None, *, name: str = QUEUE) -> Queue:
    return Queue(name, connection=connection or redis_connection(), default_timeout=JOB_TIMEOUT)


# --- building ------------------------------------------------------------------------------


def _progress_writer(job_id: str) -> Callable[[int, int], None]:
    last = [0.0]

    def write(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        ReportJob.objects.filter(pk=job_id).update(
            progress_done=done, progress_total=total, updated_at=timezone.now()
        )

    return write


def _day(job: ReportJob) -> dt.date:
    return dt.date.fromisoformat(job.params["on"])


def _build(job: ReportJob, progress: Callable[[int, int], None]) -> tuple[bytes, str]:
    """The file's bytes and its download name."""
    from reports import exports
    from reports.pdf.carrier import carrier_report
    from reports.pdf.district import district_report

    day, lang = _day(job), job.params.get("lang", settings.LANGUAGE_CODE)
    with translation.override(lang):
        if job.kind in CARRIER_KINDS:
            carrier = Carrier.objects.get(pk=job.carrier_ids[0])
            progress(0, 1)
            if job.kind == Kind.CARRIER_PDF:
                data = carrier_report(carrier, day, lang=lang)
                return data, f"{carrier.code}-{day.isoformat()}.pdf"
            tables = exports.carrier_tables(carrier, day)
            data = exports.to_xlsx(tables.tables(), title=carrier.name)
            return data, f"{carrier.code}-{day.isoformat()}.xlsx"
        carriers = Carrier.objects.filter(pk__in=job.carrier_ids).order_by("code")
        if job.kind == Kind.DISTRICT_PDF:
            data = district_report(carriers, day, lang=lang, progress=progress)
            return data, f"district-{day.isoformat()}.pdf"
        progress(0, 3)
        district = exports.district_tables(carriers, day)
        progress(1, 3)
        if job.kind == Kind.DISTRICT_XLSX:
            title = _("District utilisation report %(day)s") % {"day": day.isoformat()}
            data = exports.to_xlsx(
                district.tables(), title=title, progress=lambda d, t: progress(1 + d * 2 // t, 3)
            )
            return data, f"district-{day.isoformat()}.xlsx"
        table = job.params.get("table", "league")
        if table not in exports.DISTRICT_TABLES:
            raise ValueError(f"unknown district table {table!r}")
        data = exports.to_csv(getattr(district, table))
        return data, f"district-{table}-{day.isoformat()}.csv"


def report_run(job_id: str) -> None:
    """Build a job's file (in a worker or inline) and record how it ended."""
    now = timezone.now()
    # Claim it: queued → running in one UPDATE, so two workers never build one job.
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        logger.info("report job %s is not queued any more: nothing to do", job_id)
        return
    job = ReportJob.objects.get(pk=job_id)
    progress = _progress_writer(job_id)
    try:
        data, filename = _build(job, progress)
        # An unguessable directory: media may be served by a web server one day;
        # the file is only ever linked through the scoped download view.
        job.file.save(f"{secrets.token_urlsafe(24)}/{filename}", ContentFile(data), save=False)
    except Exception as exc:  # the job must end as failed, whatever went wrong
        logger.exception("report job %s failed", job_id)
        with translation.override(job.params.get("lang", settings.LANGUAGE_CODE)):
            message = _(
                "The report could not be built (%(error)s). Ask for it again; if it "
                "fails again, tell the district admin."
            ) % {"error": type(exc).__name__}
        ReportJob.objects.filter(pk=job_id).update(
            status=ReportJob.Status.FAILED, error=message, finished_at=timezone.now()
        )
        return
    total = ReportJob.objects.values_list("progress_total", flat=True).get(pk=job_id) or 1
    ReportJob.objects.filter(pk=job_id).update(
        status=ReportJob.Status.DONE,
        file=job.file.name,
        filename=filename,
        progress_done=total,
        progress_total=total,
        finished_at=timezone.now(),
    )
    report_prune()


def report_prune(*, now: dt.datetime | None = None) -> int:
    """Delete jobs finished more than KEEP_FOR ago, and their files. Returns how many.

    Run after each build, so the reports folder holds about a week of reports
    whatever the traffic. The row goes first: a download racing the prune
    then gets a 404, never a row pointing at a missing file.
    """
    cutoff = (now or timezone.now()) - KEEP_FOR
    old = list(ReportJob.objects.filter(finished_at__lt=cutoff).exclude(status__in=ReportJob.LIVE))
    if not old:
        return 0
    ReportJob.objects.filter(pk__in=[job.pk for job in old]).delete()
    for job in old:
        if job.file:
            try:
                folder = Path(job.file.path).parent  # the job's own unguessable folder
                job.file.delete(save=False)
                folder.rmdir()
            except OSError:  # already gone, or the disk refuses: the row is gone anyway
                logger.warning("could not delete the file of report job %s", job.pk)
    return len(old)

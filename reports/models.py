"""Report jobs: a district PDF or a large export, built once in the background.

The database, not Redis, decides that the same report asked for twice at once
is built once (DESIGN.md §4.3): a partial unique index on the dedupe key covers
the jobs still queued or running, so a second request cannot insert its own
and gets the live one instead (reports.jobs.report_request).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReportJobQuerySet(models.QuerySet["ReportJob"]):
    def live(self) -> ReportJobQuerySet:
        return self.filter(status__in=ReportJob.LIVE)


class ReportJob(models.Model):
    class Kind(models.TextChoices):
        DISTRICT_PDF = "district_pdf", _("District report (PDF)")
        DISTRICT_XLSX = "district_xlsx", _("District tables (Excel)")
        DISTRICT_CSV = "district_csv", _("District tables (CSV)")
        CARRIER_PDF = "carrier_pdf", _("Carrier report (PDF)")
        CARRIER_XLSX = "carrier_xlsx", _("Carrier tables (Excel)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    LIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    params = models.JSONField(_("parameters"), default=dict)
    # sha256 of kind, parameters and the carriers covered: equal keys, equal reports.
    dedupe_key = models.CharField(_("dedupe key"), max_length=64)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), default=0)
    # Stored under an unguessable directory; served only through the scoped download view.
    file = models.FileField(_("file"), upload_to="reports/", max_length=255, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # The carriers the report reads: only a user whose scope covers all of them
    # may see its status or download it.
    carrier_ids = models.JSONField(_("carriers covered"), default=list)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Touched by every progress update: a live job that stops moving is abandoned.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ReportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]),
                name="report_job_one_live_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE

"""Report downloads and report jobs: thin views over reports.jobs, pdf and exports.

Everything goes through leasing.access: tenants never see reports (404), a
manager reads their carriers only, leadership and the district admin read all
(and may ask for reports: reading is their job). A job's status and file are
shown only to users whose scope covers every carrier the report reads.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from carriers.models import Carrier
from leasing.access import Scope, get_in_scope, staff_scope
from reports import exports
from reports.jobs import abandon_stale, report_request
from reports.models import ReportJob
from reports.pdf.carrier import carrier_report

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)

CARRIER_TABLE_CHOICES = [
    ("kpis", gettext_lazy("Key figures")),
    ("buildings", gettext_lazy("By building")),
    ("floors", gettext_lazy("By floor")),
    ("vacant", gettext_lazy("Vacant and available-soon units")),
    ("ending", gettext_lazy("Leases ending within 90 days")),
]
DISTRICT_TABLE_CHOICES = [
    ("league", gettext_lazy("Carriers ranked by occupancy by area")),
    ("floors", gettext_lazy("By floor")),
    ("kpis", gettext_lazy("Key figures")),
]
BUILD_KINDS = [
    (ReportJob.Kind.DISTRICT_PDF, ReportJob.Kind.DISTRICT_PDF.label),
    (ReportJob.Kind.DISTRICT_XLSX, ReportJob.Kind.DISTRICT_XLSX.label),
    (ReportJob.Kind.DISTRICT_CSV, ReportJob.Kind.DISTRICT_CSV.label),
]


class DayForm(forms.Form):
    """?on=YYYY-MM-DD, today when left out."""

    on = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": gettext_lazy("Enter the date as YYYY-MM-DD, for example 2025-06-30.")
        },
    )

    def clean_on(self) -> dt.date:
        day = self.cleaned_data.get("on") or timezone.localdate()
        if not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(
                _("Choose a date between %(first)s and %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
            )
        return day


class CarrierCsvForm(DayForm):
    table = forms.ChoiceField(
        label=gettext_lazy("Table"),
        required=False,
        choices=CARRIER_TABLE_CHOICES,
        error_messages={
            "invalid_choice": format_lazy(
                "{} {}",
                gettext_lazy("There is no such table."),
                gettext_lazy("Choose one of the tables listed."),
            )
        },
    )

    def clean_table(self) -> str:
        return self.cleaned_data.get("table") or "floors"


class BuildForm(DayForm):
    kind = forms.ChoiceField(label=gettext_lazy("Report"), choices=BUILD_KINDS)
    table = forms.ChoiceField(
        label=gettext_lazy("Table"), required=False, choices=DISTRICT_TABLE_CHOICES
    )

    def clean_table(self) -> str:
        return self.cleaned_data.get("table") or "league"


# --- who may ---------------------------------------------------------------------------------


def _covers(scope: Scope, job: ReportJob) -> bool:
    if scope.reads_everything:
        return True
    return set(job.carrier_ids) <= set(scope.managed_carrier_ids)


def _job_in_scope(request: HttpRequest, job_id: uuid.UUID) -> ReportJob:
    scope = staff_scope(request)
    job = get_in_scope(ReportJob.objects.all(), pk=job_id)
    if not _covers(scope, job):
        raise Http404
    return job


def _bad_input(request: HttpRequest, form: forms.Form) -> HttpResponse:
    """A clear message for a bad date or table: 400, nothing built."""
    errors = [
        f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
        for name, messages in form.errors.items()
        for error in messages
    ]
    return render(request, "reports/reports/bad_input.html", {"errors": errors}, status=400)


def _attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- one carrier: built in the request (a few hundred milliseconds) -------------------------


def _carrier_and_day(
    request: HttpRequest, code: str, form_class: type[DayForm] = DayForm
) -> tuple[Carrier, DayForm]:
    scope = staff_scope(request)
    carrier = get_in_scope(scope.carriers(), code=code)
    return carrier, form_class(request.GET)


@login_required
@require_safe
def carrier_pdf(request: HttpRequest, code: str) -> HttpResponse:
    carrier, form = _carrier_and_day(request, code)
    if not form.is_valid():
        return _bad_input(request, form)
    day = form.cleaned_data["on"]
    data = carrier_report(carrier, day, lang=translation.get_language())
    return _attachment(data, f"{carrier.code}-{day.isoformat()}.pdf", "application/pdf")


@login_required
@require_safe
def carrier_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    carrier, form = _carrier_and_day(request, code)
    if not form.is_valid():
        return _bad_input(request, form)
    day = form.cleaned_data["on"]
    tables = exports.carrier_tables(carrier, day)
    data = exports.to_xlsx(tables.tables(), title=carrier.name)
    return _attachment(
        data,
        f"{carrier.code}-{day.isoformat()}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_safe
def carrier_csv(request: HttpRequest, code: str) -> HttpResponse:
    carrier, form = _carrier_and_day(request, code, CarrierCsvForm)
    if not form.is_valid():
        return _bad_input(request, form)
    day, table = form.cleaned_data["on"], form.cleaned_data["table"]
    tables = exports.carrier_tables(carrier, day)
    data = exports.to_csv(getattr(tables, table))
    return _attachment(
        data, f"{carrier.code}-{table}-{day.isoformat()}.csv", "text/csv; charset=utf-8"
    )


# --- the district: background jobs ------------------------------------------------------------


def _district_context(request: HttpRequest, scope: Scope, form: DayForm) -> dict[str, Any]:
    day = form.cleaned_data["on"] if form.is_valid() else timezone.localdate()
    carriers = list(scope.carriers().order_by("code").only("pk", "code", "name"))
    recent = [
        job
        for job in ReportJob.objects.filter(requested_by=request.user).order_by("-created_at")[:8]
        if _covers(scope, job)
    ]
    query = f"?on={day.isoformat()}"
    return {
        "form": form,
        "build_form": BuildForm(initial={"on": day}),
        "day": day,
        "carriers": carriers,
        "recent": recent,
        "query": query,
        "district_tables": DISTRICT_TABLE_CHOICES,
        "carrier_tables": CARRIER_TABLE_CHOICES,
    }


@login_required
@require_safe
def district(request: HttpRequest) -> HttpResponse:
    """The reports page: build the district report, download each carrier's."""
    scope = staff_scope(request)
    form = DayForm(request.GET)
    context = _district_context(request, scope, form)
    return render(
        request,
        "reports/reports/district.html",
        context,
        status=200 if form.is_valid() else 400,
    )


@login_required
@require_POST
def build(request: HttpRequest) -> HttpResponse:
    """Ask for a district report; the same report already being built is joined, not redone."""
    scope = staff_scope(request)
    form = BuildForm(request.POST)
    if not form.is_valid():
        context = _district_context(request, scope, DayForm())
        context["build_form"] = form
        return render(request, "reports/reports/district.html", context, status=400)
    kind = form.cleaned_data["kind"]
    params: dict[str, Any] = {
        "on": form.cleaned_data["on"].isoformat(),
        "lang": translation.get_language(),
    }
    if kind == ReportJob.Kind.DISTRICT_CSV:
        params["table"] = form.cleaned_data["table"]
    job = report_request(kind=kind, params=params, scope=scope)
    return redirect("reports:job", job_id=job.pk)


def _status(job: ReportJob) -> dict[str, Any]:
    return {
        "id": str(job.pk),
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "download_url": reverse("reports:job_download", args=[job.pk])
        if job.status == ReportJob.Status.DONE
        else None,
        "error": job.error or None,
    }


@login_required
@require_safe
def job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    report = _job_in_scope(request, job_id)
    return render(request, "reports/reports/job.html", {"job": report, "status": _status(report)})


@login_required
@require_safe
def job_status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    job = _job_in_scope(request, job_id)
    if job.is_live:
        abandon_stale(pk=job.pk)
        job.refresh_from_db()
    response = JsonResponse(_status(job))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_safe
def job_download(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    report = _job_in_scope(request, job_id)
    if report.status != ReportJob.Status.DONE or not report.file:
        raise Http404
    try:
        handle = report.file.open("rb")
    except FileNotFoundError as exc:  # pruned from storage
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=report.filename)
    response["Cache-Control"] = "private, no-store"
    return response

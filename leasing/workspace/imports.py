"""The import page of the workspace: upload, see the dry run, confirm; the template.

Who may import: the district admin anything, a manager rows of the carriers
they manage (planning.py refuses the others row by row). Leadership reads
and changes nothing: 403. A company's users, and managers of no carrier: 404.

A file whose dry run passes is kept (carriers.imports.storage) under a random
token tied to the uploader, and the preview page shows what it would do; the
confirmation imports those same bytes, all or nothing. A file refused whole,
or with refused rows, is shown with its errors and not kept. A confirmation
refused (something changed since the dry run) keeps the upload: once the
conflict is sorted out in Zaiti it can be confirmed again, without uploading;
it is removed once imported, or after a day.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carriers.imports import storage
from carriers.imports.reading import MAX_BYTES, Source, check_size
from carriers.imports.report import Report
from carriers.imports.service import import_space
from carriers.imports.template import TEMPLATE_NAME, XLSX_TYPE, template_workbook
from leasing.access import Role, Scope, request_scope

TEMPLATE = "leasing/workspace/import.html"
ROW_LIMIT = 1000  # rows listed per kind on the page; errors are always listed in full


def _import_scope(request: HttpRequest) -> Scope:
    scope = request_scope(request)
    if scope.role == Role.ADMIN or (scope.role == Role.MANAGER and scope.managed_carrier_ids):
        return scope
    if scope.role == Role.LEADERSHIP:
        raise PermissionDenied  # reads everything, imports nothing
    raise Http404


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe): each checked as a FileField."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=gettext_lazy("Files"),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=gettext_lazy(
            "One Excel workbook (.xlsx) with a sheet per kind, or CSV files, one per kind."
        ),
    )

    def clean_files(self) -> list[Source]:
        uploads = self.cleaned_data["files"]
        if not uploads:
            raise forms.ValidationError(_("Choose a file to import."))
        problems = [check_size(u.name, u.size) for u in uploads]
        if any(problems):
            raise forms.ValidationError([p for p in problems if p])
        return [Source(u.name, u.read()) for u in uploads]


def _render(
    request: HttpRequest,
    *,
    form: UploadForm | None = None,
    report: Report | None = None,
    token: str = "",
) -> HttpResponse:
    return render(
        request,
        TEMPLATE,
        {
            "form": form or UploadForm(),
            "report": report,
            "token": token,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "row_limit": ROW_LIMIT,
            "kinds": _kinds(report) if report else [],
        },
    )


def _kinds(report: Report) -> list[dict[str, object]]:
    """Per kind: its label, counts and (at most ROW_LIMIT) rows, for the page."""
    rows_by_kind: dict[str, list[object]] = {}
    for row in report.rows:
        rows_by_kind.setdefault(row.kind, []).append(row)
    kinds = []
    for kind, label, counts in report.counts():
        rows = rows_by_kind[kind]
        kinds.append(
            {
                "label": label,
                "counts": counts,
                "rows": rows[:ROW_LIMIT],
                "more": max(0, len(rows) - ROW_LIMIT),
            }
        )
    return kinds


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    scope = _import_scope(request)
    if request.method == "GET":
        return _render(request)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form=form)
    sources = form.cleaned_data["files"]
    report = import_space(sources, scope=scope, dry_run=True)
    if report.file_errors:
        for message in report.file_errors:
            form.add_error("files", message)
        return _render(request, form=form)
    if report.refused:
        return _render(request, form=form, report=report)
    token = storage.save_pending(sources, user=request.user, report=report)
    return redirect("workspace:import_preview", token=token)


def _pending(request: HttpRequest, token: str) -> storage.Pending:
    pending = storage.load_pending(token, user=request.user)
    if pending is None:
        raise Http404
    return pending


@login_required
@require_GET
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    _import_scope(request)
    pending = _pending(request, token)
    return _render(request, report=pending.report, token=token)


@login_required
@require_POST
def import_apply(request: HttpRequest, token: str) -> HttpResponse:
    scope = _import_scope(request)
    pending = _pending(request, token)
    report = import_space(pending.sources, scope=scope, dry_run=False)
    if not report.applied:
        # Something changed since the dry run (a lease let meanwhile, say): the
        # new refusals are shown; nothing was saved, and the upload is kept.
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "Nothing was saved. The upload is kept for a day: sort out the rows "
                    "below in Zaiti, then confirm it again."
                ),
                reverse("workspace:import_preview", kwargs={"token": token}),
                _("Back to the dry run"),
            ),
        )
        return _render(request, report=report)
    storage.discard(token)
    counts = "；".join(
        f"{label} {counts['create']}/{counts['update']}" for _kind, label, counts in report.counts()
    )
    messages.success(
        request,
        _("Imported from %(files)s (created/updated): %(counts)s.")
        % {"files": "、".join(report.sources), "counts": counts},
    )
    return redirect("workspace:import")


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _import_scope(request)
    response = HttpResponse(template_workbook(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}"'
    return response

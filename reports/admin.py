"""Report jobs in the admin: to read, never to edit (the worker writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from reports.models import ReportJob


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "status", "percent", "requested_by", "finished_at")
    list_filter = ("kind", "status")
    date_hierarchy = "created_at"
    fields = (
        "id",
        "kind",
        "params",
        "status",
        "progress_done",
        "progress_total",
        "filename",
        "file",
        "error",
        "requested_by",
        "carrier_ids",
        "dedupe_key",
        "created_at",
        "started_at",
        "updated_at",
        "finished_at",
    )
    readonly_fields = fields
    list_select_related = ("requested_by",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

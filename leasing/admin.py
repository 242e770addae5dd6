"""Admin for tenants, their qualifications and requests, and the ledger.

Allocations are written the way the rest of the product writes them: through
leasing.services.allocation_create() and allocation_update(), which lock the
unit's row and check the overlap, with the PostgreSQL exclusion constraint as
the last guard. Whatever refuses, the user sees a form error naming the lease
in the way, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leasing.forms import AllocationAdminForm, TenantAdminForm
from leasing.models import Allocation, Event, Handover, Qualification, SpaceRequest, Tenant
from leasing.services import allocation_create, allocation_update

# --- Tenants ------------------------------------------------------------------------


class InIncubationFilter(admin.SimpleListFilter):
    title = _("in incubation today")
    parameter_name = "in_incubation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> QuerySet[Tenant]:
        # The same rule as Tenant.in_incubation_on(), in SQL.
        today = timezone.localdate()
        current = (
            Q(incubation_entered_on__lte=today)
            & (Q(graduated_on__isnull=True) | Q(graduated_on__gt=today))
            & (Q(moved_out_on__isnull=True) | Q(moved_out_on__gt=today))
        )
        if self.value() == "yes":
            return queryset.filter(current)
        if self.value() == "no":
            return queryset.exclude(current)
        return queryset


class QualificationInline(admin.TabularInline):
    model = Qualification
    fields = ("kind", "issuer", "certificate_no", "valid_from", "valid_to")
    extra = 0


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    form = TenantAdminForm
    list_display = (
        "name",
        "uscc",
        "industry",
        "employees",
        "rd_staff",
        "incubation_entered_on",
        "graduated_on",
        "moved_out_on",
    )
    search_fields = ("name", "uscc", "contact_name", "contact_phone", "contact_email")
    list_filter = ("industry", "qualifications__kind", InIncubationFilter)
    filter_horizontal = ("users",)
    inlines = (QualificationInline,)


@admin.register(Qualification)
class QualificationAdmin(admin.ModelAdmin):
    list_display = ("tenant", "kind", "issuer", "certificate_no", "valid_from", "valid_to")
    list_select_related = ("tenant",)
    search_fields = ("tenant__name", "tenant__uscc", "certificate_no", "issuer")
    list_filter = ("kind", "issuer")
    autocomplete_fields = ("tenant",)


# --- Requests -----------------------------------------------------------------------


@admin.register(SpaceRequest)
class SpaceRequestAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "tenant",
        "submitted_at",
        "status",
        "area_range",
        "unit_kind",
        "move_in_on",
        "term_months",
        "fit_out",
    )
    list_filter = ("status", "fit_out", "unit_kind", "preferred_carriers")
    search_fields = ("tenant__name", "tenant__uscc")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("tenant",)
    filter_horizontal = ("preferred_carriers",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SpaceRequest]:
        # __str__ names the tenant, also in the allocation form's autocomplete.
        return super().get_queryset(request).select_related("tenant")

    @admin.display(description=_("area (m²)"), ordering="area_min")
    def area_range(self, obj: SpaceRequest) -> str:
        return f"{obj.area_min}–{obj.area_max}"


# --- The ledger ---------------------------------------------------------------------


class LedgerRefused(Exception):
    """The database refused an allocation that the form had accepted."""


def _adopt(saved: Allocation, obj: Allocation) -> None:
    # The admin goes on with the object it built (for its log and redirect),
    # so it takes on what the service saved.
    for field in Allocation._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    form = AllocationAdminForm
    list_display = (
        "id",
        "unit",
        "tenant",
        "start",
        "end",
        "state",
        "hold_expires_at",
        "contracted_rent",
        "counts_as_incubation",
    )
    list_select_related = ("unit__carrier", "tenant")
    list_filter = ("state", "counts_as_incubation", "unit__carrier")
    search_fields = ("unit__code", "tenant__name", "tenant__uscc")
    date_hierarchy = "start"
    autocomplete_fields = ("unit", "tenant", "request")
    readonly_fields = ("created_at", "created_by")

    def has_delete_permission(self, request: HttpRequest, obj: Allocation | None = None) -> bool:
        # The ledger is history: a mistaken allocation is cancelled, not deleted.
        return False

    def get_readonly_fields(
        self, request: HttpRequest, obj: Allocation | None = None
    ) -> tuple[str, ...]:
        # An offer made for a request moves through the workflow (accept,
        # decline, withdraw, expiry), which keeps the request in step; the
        # admin must not change its state behind the request's back.
        if obj is not None and obj.request_id:
            return (*self.readonly_fields, "request", "state", "hold_expires_at")
        return self.readonly_fields

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except LedgerRefused:
            # The write lost a race the form could not see (a writer that did
            # not take the unit lock). The view's transaction has rolled back;
            # validating again shows the lease that won as a form error, with
            # everything the user typed still in the form.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(
        self, request: HttpRequest, obj: Allocation, form: AllocationAdminForm, change: bool
    ) -> None:
        try:
            if change:
                allocation_update(obj, actor=request.user, expected_state=form.initial.get("state"))
            else:
                saved = allocation_create(created_by=request.user, **form.service_kwargs())
                _adopt(saved, obj)
        except ValidationError as exc:
            raise LedgerRefused from exc


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("allocation", "kind", "on", "keys", "access_cards", "recorded_by")
    list_filter = ("kind", "allocation__unit__carrier")
    search_fields = ("allocation__unit__code", "allocation__tenant__name")
    list_select_related = ("allocation__unit__carrier", "allocation__tenant", "recorded_by")
    raw_id_fields = ("allocation",)
    date_hierarchy = "on"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The history of requests and allocations: read-only, never deleted."""

    list_display = (
        "at",
        "actor",
        "tenant",
        "unit",
        "request",
        "allocation",
        "from_state",
        "to_state",
    )
    list_filter = ("to_state",)
    search_fields = ("tenant__name", "unit__code", "note")
    list_select_related = ("actor", "tenant", "unit__carrier", "request__tenant", "allocation")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Event | None = None) -> bool:
        return False

"""Admin for the space inventory: carriers, buildings, floors and units.

Django has no nested inlines, so the hierarchy is walked one level per page
(carrier → buildings, building → floors, floor → units), each inline row
linking to its own page. A unit's status is derived, never stored: the unit
pages annotate it for today in the same query that lists the units.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet, Sum
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import Building, Carrier, Floor, Unit
from carriers.status import UnitStatus
from leasing.models import Allocation

# --- Units --------------------------------------------------------------------------


class UnitAdminForm(forms.ModelForm):
    """Checks that a unit's code is free in its carrier.

    The carrier is derived from the floor (Unit.save), so it is not a form
    field and Django's own unique check skips the (carrier, code) constraint;
    without this a duplicate code would be an IntegrityError.
    """

    class Meta:
        model = Unit
        fields = (
            "floor",
            "code",
            "kind",
            "gross_area",
            "usable_area",
            "seats",
            "list_rent",
            "leasable",
            "turnkey",
            "turnkey_package",
            "ready_on",
            "in_service_from",
            "retired_on",
        )
        widgets = {"turnkey_package": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        floor, code = cleaned.get("floor"), cleaned.get("code")
        if floor is None or not code or floor.building_id is None:
            return cleaned
        carrier_id = floor.building.carrier_id
        taken = Unit.objects.filter(carrier_id=carrier_id, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            self.add_error(
                "code", _("The carrier already has a unit with the code %(code)s.") % {"code": code}
            )
        if self.instance.pk:
            self._check_against_ledger(cleaned)
        return cleaned

    def _check_against_ledger(self, cleaned: dict[str, Any]) -> None:
        """A unit's own dates and flags must still cover every lease it carries
        (leasing.unit_checks, which the bulk import asks as well)."""
        from leasing.unit_checks import CHECKED, units_change_objections

        change = {name: cleaned.get(name) for name in CHECKED if name in cleaned}
        objections = units_change_objections({self.instance.pk: change})
        for name, message in objections.get(self.instance.pk, {}).items():
            self.add_error(name, message)


class UnitInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        # Each form checks the database; two new rows of one submission can
        # only be checked against each other.
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            code = getattr(form, "cleaned_data", {}).get("code")
            if not code or self._should_delete_form(form):
                continue
            if code in seen:
                raise forms.ValidationError(
                    _("The code %(code)s is used twice.") % {"code": code}, code="duplicate"
                )
            seen.add(code)


class UnitInline(admin.TabularInline):
    model = Unit
    form = UnitAdminForm
    formset = UnitInlineFormSet
    # Every field Unit.clean() may point an error at is here.
    fields = (
        "code",
        "kind",
        "gross_area",
        "usable_area",
        "seats",
        "list_rent",
        "leasable",
        "turnkey",
        "turnkey_package",
        "ready_on",
        "in_service_from",
        "retired_on",
    )
    extra = 0
    show_change_link = True


class AllocationInline(admin.TabularInline):
    """The unit's ledger rows, read-only: allocations are made on their own page."""

    model = Allocation
    fields = ("tenant", "start", "end", "state", "hold_expires_at", "contracted_rent")
    readonly_fields = fields
    ordering = ("-start",)
    extra = 0
    show_change_link = True
    verbose_name_plural = _("allocations (ledger)")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Allocation]:
        return super().get_queryset(request).select_related("tenant", "unit__carrier")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusTodayFilter(admin.SimpleListFilter):
    """Filters on the derived status annotated by UnitAdmin.get_queryset()."""

    title = _("status today")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return UnitStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
        if self.value() in UnitStatus.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitAdminForm
    list_display = (
        "code",
        "carrier",
        "floor_label",
        "kind",
        "gross_area",
        "usable_area",
        "seats",
        "list_rent",
        "leasable",
        "turnkey",
        "status_today",
    )
    search_fields = ("code", "carrier__name", "carrier__code")
    list_filter = ("carrier", "kind", "leasable", "turnkey", StatusTodayFilter)
    autocomplete_fields = ("floor",)
    readonly_fields = ("carrier", "status_today")
    fieldsets = (
        (None, {"fields": ("carrier", "floor", "code", "kind", "status_today")}),
        (_("Area and rent"), {"fields": ("gross_area", "usable_area", "seats", "list_rent")}),
        (
            _("Availability"),
            {
                "fields": (
                    "leasable",
                    "turnkey",
                    "turnkey_package",
                    "ready_on",
                    "in_service_from",
                    "retired_on",
                )
            },
        ),
    )
    inlines = (AllocationInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        # The status is one CASE over two ledger subqueries: still one query
        # per page, and the list can sort and filter on it. The joins serve
        # the list's columns and __str__ (shown by the allocation autocomplete);
        # they are made here because a queryset that already selects related
        # rows makes the changelist ignore list_select_related.
        return (
            super()
            .get_queryset(request)
            .select_related("carrier", "floor__building")
            .with_status(timezone.localdate())
        )

    @admin.display(description=_("floor"), ordering="floor__level")
    def floor_label(self, obj: Unit) -> str:
        return f"{obj.floor.building.name} {obj.floor.label}"

    @admin.display(description=_("status today"), ordering="status")
    def status_today(self, obj: Unit) -> str:
        status = getattr(obj, "status", None)  # absent on the add page
        return UnitStatus(status).label if status else "—"


# --- Floors and buildings -----------------------------------------------------------


@admin.register(Floor)
class FloorAdmin(admin.ModelAdmin):
    list_display = ("label", "building", "level", "unit_count")
    list_filter = ("building__carrier",)
    search_fields = ("label", "building__name", "building__code", "building__carrier__name")
    autocomplete_fields = ("building",)
    inlines = (UnitInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Floor]:
        # __str__ walks building → carrier, also in the unit form's autocomplete.
        return (
            super()
            .get_queryset(request)
            .select_related("building__carrier")
            .annotate(unit_count=Count("units"))
            .order_by(*Floor._meta.ordering)  # GROUP BY queries drop Meta.ordering
        )

    @admin.display(description=_("units"), ordering="unit_count")
    def unit_count(self, obj: Floor) -> int:
        return obj.unit_count


class FloorInline(admin.TabularInline):
    model = Floor
    fields = ("level", "label")
    extra = 0
    show_change_link = True


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "carrier", "completed_on", "floor_count")
    list_filter = ("carrier",)
    search_fields = ("name", "code", "carrier__name", "carrier__code")
    inlines = (FloorInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Building]:
        return (
            super()
            .get_queryset(request)
            .select_related("carrier")
            .annotate(floor_count=Count("floors"))
            .order_by(*Building._meta.ordering)  # GROUP BY queries drop Meta.ordering
        )

    @admin.display(description=_("floors"), ordering="floor_count")
    def floor_count(self, obj: Building) -> int:
        return obj.floor_count


class BuildingInline(admin.TabularInline):
    model = Building
    fields = ("code", "name", "completed_on")
    extra = 0
    show_change_link = True


# --- Carriers -----------------------------------------------------------------------


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "level",
        "industry_focus",
        "opened_on",
        "unit_count",
        "gross_area",
    )
    search_fields = ("name", "code", "operator", "address")
    list_filter = ("kind", "level", "industry_focus")
    filter_horizontal = ("managers",)
    inlines = (BuildingInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Carrier]:
        # Counted in the list's own query. Retired units no longer exist as
        # space, so they count neither as units nor as area.
        today = timezone.localdate()
        standing = Q(units__retired_on__isnull=True) | Q(units__retired_on__gt=today)
        return (
            super()
            .get_queryset(request)
            .annotate(
                unit_count=Count("units", filter=standing),
                gross_area_total=Sum("units__gross_area", filter=standing),
            )
            .order_by(*Carrier._meta.ordering)  # GROUP BY queries drop Meta.ordering
        )

    @admin.display(description=_("units (not retired)"), ordering="unit_count")
    def unit_count(self, obj: Carrier) -> int:
        return obj.unit_count

    @admin.display(description=_("gross area (m²)"), ordering="gross_area_total")
    def gross_area(self, obj: Carrier) -> Any:
        return obj.gross_area_total or 0

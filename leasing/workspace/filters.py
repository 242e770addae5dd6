"""Filters of the request queue (django-filter), always applied to a scoped queryset."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_filters import (
    CharFilter,
    ChoiceFilter,
    DateFromToRangeFilter,
    FilterSet,
    ModelChoiceFilter,
    NumberFilter,
)
from django_filters.widgets import DateRangeWidget

from carriers.models import Carrier, Unit
from leasing.access import request_scope
from leasing.models import SpaceRequest
from leasing.uscc import normalise_uscc

ANY = _("Any")
OPEN_STATUS_CHOICES = [
    (value, label)
    for value, label in SpaceRequest.Status.choices
    if value in SpaceRequest.OPEN_STATUSES
]


def _carriers_in_scope(request: HttpRequest | None) -> QuerySet[Carrier]:
    # Only the carriers the user may see are offered as choices, so a carrier
    # code outside the scope is an invalid choice, not a hint that it exists.
    if request is None:
        return Carrier.objects.none()
    return request_scope(request).carriers().order_by("code")


class RequestQueueFilter(FilterSet):
    status = ChoiceFilter(label=_("Status"), choices=OPEN_STATUS_CHOICES, empty_label=ANY)
    unit_kind = ChoiceFilter(label=_("Unit kind"), choices=Unit.Kind.choices, empty_label=ANY)
    fit_out = ChoiceFilter(label=_("Fit-out"), choices=SpaceRequest.FitOut.choices, empty_label=ANY)
    carrier = ModelChoiceFilter(
        label=_("Preferred carrier"),
        empty_label=ANY,
        queryset=_carriers_in_scope,
        to_field_name="code",
        method="filter_carrier",
    )
    area_from = NumberFilter(
        label=_("Area from (m²)"), field_name="area_max", lookup_expr="gte", min_value=0
    )
    area_to = NumberFilter(
        label=_("Area to (m²)"), field_name="area_min", lookup_expr="lte", min_value=0
    )
    move_in = DateFromToRangeFilter(
        label=_("Move-in between"),
        field_name="move_in_on",
        widget=DateRangeWidget(attrs={"type": "date"}),
    )
    q = CharFilter(label=_("Company or USCC"), method="filter_tenant")

    class Meta:
        model = SpaceRequest
        fields: list[str] = []

    def filter_carrier(
        self, queryset: QuerySet[SpaceRequest], name: str, value: Carrier | None
    ) -> QuerySet[SpaceRequest]:
        if value is None:
            return queryset
        # A subquery, not a join: a join would repeat a request once per
        # matching carrier and fight with the scope's DISTINCT.
        through = SpaceRequest.preferred_carriers.through
        return queryset.filter(
            pk__in=through.objects.filter(carrier=value).values("spacerequest_id")
        )

    def filter_tenant(
        self, queryset: QuerySet[SpaceRequest], name: str, value: str
    ) -> QuerySet[SpaceRequest]:
        value = value.strip()
        if not value:
            return queryset
        # The USCC is stored normalised (upper case, no spaces or dashes).
        return queryset.filter(
            Q(tenant__name__icontains=value) | Q(tenant__uscc__contains=normalise_uscc(value))
        )

"""Unit search for the carriers' staff: the filters (django-filter) and the sort.

The FilterSet works on a queryset already scoped by leasing.access, so no
filter can reach a unit outside the asker's carriers.

Query design (a page stays a few queries whatever its size or the number of
units, and cheap on 120,000 units):

- the filters and the sort run on plain unit columns; a status filter is a
  semi- or anti-join on the ledger (carriers/status_filters.py); a sort by
  status over the district reads one status's units at a time
  (carriers/status_sort.py), so the derived status (carriers/status.py), the
  expensive part, is worked out for the units of the page alone (over a few
  carriers, working it out for all their units in one query costs less);
- availability for a term reuses leasing.matching.available_units, an
  anti-join on the ledger, the same rule that picks candidates for a request;
- a page is a slice of ids; the page's rows, with status, tenant and lease
  end, are then loaded by id, and the count is its own query, cached and left
  to the browser to ask for when it is costly (carriers/search_results.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, StrIndex
from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_filters import (
    BooleanFilter,
    ChoiceFilter,
    DateFilter,
    FilterSet,
    NumberFilter,
)

from carriers.models import Building, Carrier, Unit
from carriers.search_widgets import (
    QuickCheckbox,
    QuickDateInput,
    QuickNumberInput,
    QuickSelect,
)
from carriers.status import UnitStatus
from carriers.status_filters import status_q
from carriers.status_sort import GroupSizes, ids_by_status
from leasing.access import request_scope
from leasing.matching import available_units
from leasing.terms import add_months

ANY = _("Any")
PAGE_SIZES = (20, 50, 100)
DEFAULT_PAGE_SIZE = 50
DEFAULT_TERM_MONTHS = 12
# A search over at most this many carriers (a manager's, or one chosen carrier) is
# small: its count comes with its page, and a sort by status works the status of
# every unit out in one query. Over more, leadership's district of 600 carriers,
# both cost more than the page itself: see carriers/search_results.py and
# carriers/status_sort.py.
FEW_CARRIERS = 20
MAX_TERM_MONTHS = 120
EARLIEST = dt.date(2000, 1, 1)
DATE_FORMAT_ERROR = _("Enter a date as YYYY-MM-DD, e.g. 2027-03-01.")

# Free units first, then taken, then those outside the letting altogether.
STATUS_ORDER = (
    UnitStatus.VACANT,
    UnitStatus.AVAILABLE_SOON,
    UnitStatus.NOT_READY,
    UnitStatus.HELD,
    UnitStatus.OCCUPIED,
    UnitStatus.NOT_FOR_LEASE,
    UnitStatus.PLANNED,
    UnitStatus.RETIRED,
)
STATUS_RANKS = "," + ",".join(STATUS_ORDER) + ","

# The columns one may sort on, each with what breaks its ties, so that pages
# never repeat or skip a unit. "-" in front of a key sorts descending.
SORTS: dict[str, tuple[str, ...]] = {
    "carrier": ("carrier__code", "code"),
    "code": ("code", "carrier__code"),
    "area": ("gross_area", "pk"),
    "rent": ("list_rent", "pk"),
    "seats": ("seats", "pk"),
    "status": ("status_rank", "carrier__code", "code"),  # see page_ids
}
DEFAULT_SORT = "carrier"
SORT_LABELS = {
    "carrier": _("Carrier"),
    "code": _("Unit code"),
    "area": _("Gross area"),
    "rent": _("List rent"),
    "seats": _("Seats"),
    "status": _("Status"),
}
SORT_CHOICES = [(key, SORT_LABELS[key]) for key in SORTS] + [
    (f"-{key}", format_lazy(_("{column}, descending"), column=SORT_LABELS[key])) for key in SORTS
]


def _date_filter(label: str, help_text: str = "") -> DateFilter:
    return DateFilter(
        label=label,
        method="keep",
        widget=QuickDateInput(),
        help_text=help_text,
        error_messages={"invalid": DATE_FORMAT_ERROR},
    )


class IntegerFilter(NumberFilter):
    field_class = forms.IntegerField


def _not_negative(label: str, field_name: str, lookup: str, message: str) -> NumberFilter:
    return NumberFilter(
        label=label,
        widget=QuickNumberInput,
        field_name=field_name,
        lookup_expr=lookup,
        min_value=0,
        error_messages={"min_value": message, "invalid": _("Enter a number.")},
    )


def _carriers_in_scope(request: HttpRequest | None) -> QuerySet[Carrier]:
    # Only carriers the user may see are choices: another carrier's code is
    # refused as unknown, exactly like a code that exists nowhere.
    if request is None:
        return Carrier.objects.none()
    return request_scope(request).carriers().order_by("code")


def date_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates one may ask about: from 2000 to ten years ahead, as on the dashboard
    (and far from the calendar's end, which a term added to the date could pass)."""
    return EARLIEST, add_months(today, 120)


class UnitSearchForm(forms.Form):
    """Checks across fields; each message says what to change."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for low, high, message in (
            (
                "area_min",
                "area_max",
                _("The minimum area cannot be greater than the maximum area."),
            ),
            (
                "rent_min",
                "rent_max",
                _("The minimum rent cannot be greater than the maximum rent."),
            ),
        ):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(low, message)
        first, last = date_bounds(timezone.localdate())
        for name in ("on", "available_from"):
            day = data.get(name)
            if day is not None and not first <= day <= last:
                self.add_error(
                    name,
                    _("Choose a date between %(first)s and %(last)s.")
                    % {"first": first.isoformat(), "last": last.isoformat()},
                )
        term_alone = data.get("term_months") is not None and not data.get("available_from")
        if term_alone and "available_from" not in self.errors:
            self.add_error(
                "available_from",
                _("Give the date from which the unit must be free for the term."),
            )
        if self.data.get("building") and not self.data.get("carrier"):
            # Instead of "unknown building": without a carrier there is no list yet.
            self.errors.pop("building", None)
            self.add_error("building", _("Choose a carrier first, then one of its buildings."))
        return data


class UnitSearchFilter(FilterSet):
    # Choices are the carriers in the asker's scope (set in __init__): another
    # carrier's code is refused as unknown, exactly like a code that exists nowhere.
    carrier = ChoiceFilter(
        widget=QuickSelect,
        label=_("Carrier"),
        empty_label=ANY,
        choices=[],
        method="filter_carrier",
        error_messages={"invalid_choice": _("Unknown carrier: choose one from the list.")},
    )
    building = ChoiceFilter(
        widget=QuickSelect,
        label=_("Building"),
        empty_label=ANY,
        choices=[],
        field_name="floor__building_id",
        help_text=_("Choose a carrier and search to list its buildings."),
        error_messages={"invalid_choice": _("Unknown building: choose one from the list.")},
    )
    kind = ChoiceFilter(
        widget=QuickSelect, label=_("Kind"), choices=Unit.Kind.choices, empty_label=ANY
    )
    area_min = _not_negative(
        _("Gross area from (m²)"), "gross_area", "gte", _("Area cannot be negative.")
    )
    area_max = _not_negative(
        _("Gross area to (m²)"), "gross_area", "lte", _("Area cannot be negative.")
    )
    rent_min = _not_negative(
        _("List rent from (CNY/m²/month)"), "list_rent", "gte", _("Rent cannot be negative.")
    )
    rent_max = _not_negative(
        _("List rent to (CNY/m²/month)"), "list_rent", "lte", _("Rent cannot be negative.")
    )
    seats = IntegerFilter(
        label=_("Seats (at least)"),
        widget=QuickNumberInput,
        field_name="seats",
        lookup_expr="gte",
        min_value=0,
        error_messages={
            "min_value": _("Seats cannot be negative."),
            "invalid": _("Enter a whole number of seats."),
        },
    )
    turnkey_ready = BooleanFilter(
        label=_("Turnkey and ready"),
        method="filter_turnkey_ready",
        widget=QuickCheckbox,
        help_text=_("Furnished and ready by the move-in date (or by the status date)."),
    )
    on = _date_filter(_("Status on"))
    status = ChoiceFilter(
        widget=QuickSelect,
        label=_("Status"),
        choices=UnitStatus.choices,
        empty_label=ANY,
        method="filter_status",
    )
    available_from = _date_filter(
        _("Free from"), _("Free of any lease or hold from this date for the whole term.")
    )
    term_months = IntegerFilter(
        label=_("For (months)"),
        widget=QuickNumberInput,
        method="filter_available",
        min_value=1,
        max_value=MAX_TERM_MONTHS,
        error_messages={
            "min_value": _("The term must be between 1 and 120 months."),
            "max_value": _("The term must be between 1 and 120 months."),
            "invalid": _("Enter a whole number of months."),
        },
    )
    sort = ChoiceFilter(
        widget=QuickSelect,
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="keep",
        empty_label=None,
        required=False,
    )
    per_page = ChoiceFilter(
        widget=QuickSelect,
        label=_("Per page"),
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        method="keep",
        empty_label=None,
    )

    class Meta:
        model = Unit
        fields: list[str] = []
        form = UnitSearchForm

    def __init__(self, *args: Any, now: dt.datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        # Plain rows, not model instances: leadership chooses among 600 carriers.
        carriers = _carriers_in_scope(self.request).values_list("pk", "code", "name")
        self.carrier_ids = {code: pk for pk, code, _name in carriers}
        self.filters["carrier"].extra["choices"] = [(code, name) for _pk, code, name in carriers]
        self.filters["building"].extra["choices"] = self._building_choices()

    def _building_choices(self) -> list[tuple[str, str]]:
        # Only once a carrier (of the scope) is chosen: the district has 2,400 buildings.
        carrier_id = self.carrier_ids.get((self.data or {}).get("carrier", ""))
        if carrier_id is None:
            return []
        buildings = Building.objects.filter(carrier_id=carrier_id).order_by("code")
        return [(str(pk), name) for pk, name in buildings.values_list("pk", "name")]

    # --- the dates the other filters read ---------------------------------------------

    @property
    def day(self) -> dt.date:
        """The date of the status shown and filtered on: today unless asked."""
        return self._cleaned("on") or timezone.localdate(self.now)

    @property
    def term(self) -> tuple[dt.date, dt.date] | None:
        start = self._cleaned("available_from")
        if start is None:
            return None
        months = self._cleaned("term_months") or DEFAULT_TERM_MONTHS
        return start, add_months(start, months)

    @property
    def sort_key(self) -> str:
        return self._cleaned("sort") or DEFAULT_SORT

    @property
    def page_size(self) -> int:
        return int(self._cleaned("per_page") or DEFAULT_PAGE_SIZE)

    def _cleaned(self, name: str) -> Any:
        if not self.is_bound or not self.form.is_valid():
            return None
        return self.form.cleaned_data.get(name)

    # --- filter methods ---------------------------------------------------------------

    def keep(self, queryset: QuerySet[Unit], name: str, value: object) -> QuerySet[Unit]:
        """Fields that steer the others (dates, sort, page size) filter nothing themselves."""
        return queryset

    def filter_carrier(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return queryset.filter(carrier_id=self.carrier_ids[value])

    def filter_turnkey_ready(
        self, queryset: QuerySet[Unit], name: str, value: bool | None
    ) -> QuerySet[Unit]:
        if not value:
            return queryset
        # Ready by the move-in date when one is asked for (as candidates are
        # scored in leasing.matching), else on the status date.
        term = self.term
        ready_by = term[0] if term else self.day
        return queryset.filter(Q(ready_on__isnull=True) | Q(ready_on__lte=ready_by), turnkey=True)

    def filter_status(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        if not value:
            return queryset
        # A condition, not the annotation: see carriers/status_filters.py.
        return queryset.filter(status_q(value, self.day, self.now))

    def filter_available(
        self, queryset: QuerySet[Unit], name: str, value: int | None
    ) -> QuerySet[Unit]:
        return queryset  # applied in filter_queryset: it also needs a date given alone

    def filter_queryset(self, queryset: QuerySet[Unit]) -> QuerySet[Unit]:
        queryset = super().filter_queryset(queryset)
        term = self.term
        if term is not None:
            queryset = available_units(queryset, *term, now=self.now)
        return queryset

    # --- results ----------------------------------------------------------------------

    @property
    def few_carriers(self) -> bool:
        """Whether the search covers a few carriers' units only (FEW_CARRIERS)."""
        return bool(self._cleaned("carrier")) or len(self.carrier_ids) <= FEW_CARRIERS

    @property
    def sorted_by_status(self) -> bool:
        """Sorted by status over several statuses: read one status at a time
        (carriers/status_sort.py). With one status asked for, it sorts by carrier."""
        return self.sort_key.lstrip("-") == "status" and not self._cleaned("status")

    def ordered_ids(self) -> QuerySet[Unit]:
        """The filtered units' ids in the asked order (any sort but a status sort)."""
        key = self.sort_key
        columns = SORTS[key.lstrip("-")]
        if columns[0] == "status_rank":
            # One status only (sorted_by_status is false): nothing to sort on.
            columns = columns[1:]
        first, *rest = columns
        order = [f"-{first}" if key.startswith("-") else first, *rest]
        if "pk" not in order:
            order.append("pk")
        return self.qs.order_by(*order).values_list("pk", flat=True)

    def ranked_by_status(self) -> QuerySet[Unit]:
        """The ids sorted by status in one query, working every unit's status out."""
        # The status's place in STATUS_ORDER, found in one string: a CASE over the
        # status would repeat the whole status expression once per status in the SQL.
        rank = StrIndex(Value(STATUS_RANKS), Concat(Value(","), F("status"), Value(",")))
        first = "-status_rank" if self.sort_key.startswith("-") else "status_rank"
        return (
            self.qs.with_status(self.day, now=self.now)
            .annotate(status_rank=rank)
            .order_by(first, "carrier__code", "code", "pk")
            .values_list("pk", flat=True)
        )

    def page_ids(self, offset: int, limit: int, sizes: GroupSizes) -> list[int]:
        """The ids at [offset, offset + limit) of the results in the asked order."""
        if not self.sorted_by_status:
            return list(self.ordered_ids()[offset : offset + limit])
        if self.few_carriers:
            # A thousand units' statuses in one query cost less than a query per status.
            return list(self.ranked_by_status()[offset : offset + limit])
        order = STATUS_ORDER[::-1] if self.sort_key.startswith("-") else STATUS_ORDER
        return ids_by_status(
            self.qs, order, on=self.day, now=self.now, offset=offset, limit=limit, sizes=sizes
        )


def bind(data: QueryDict, today: dt.date) -> QueryDict:
    """The query as the form shows it: the status date and page size filled in when left out."""
    data = data.copy()
    if not data.get("on"):
        data["on"] = today.isoformat()
    if not data.get("per_page"):
        data["per_page"] = str(DEFAULT_PAGE_SIZE)
    return data

"""The dashboard's and the API's parameters: date, filters and sort, checked.

Bad input never fails a page: each field that does not validate says why, in
the user's language, and its default is used instead (DESIGN.md §4.7).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from carriers.choices import Industry
from carriers.models import Unit
from reports.selectors import EARLIEST, Filters, latest_day


class DateInput(forms.DateInput):
    input_type = "date"


class DashboardForm(forms.Form):
    on = forms.DateField(
        label=_("On"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, for example 2025-06-30.")},
    )
    kind = forms.ChoiceField(
        label=_("Unit kind"),
        required=False,
        choices=[("", _("All kinds")), *Unit.Kind.choices],
    )
    industry = forms.ChoiceField(
        label=_("Carrier industry focus"),
        required=False,
        choices=[("", _("All industries")), *Industry.choices],
    )
    tenant_industry = forms.ChoiceField(
        label=_("Companies' industry"),
        required=False,
        choices=[("", _("All companies")), *Industry.choices],
    )

    def __init__(self, data: QueryDict | None = None, *, today: dt.date) -> None:
        # Always bound, so that defaults apply to missing fields too; the date
        # input shows the day the figures are for, not an empty box.
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("on"):
            data["on"] = today.isoformat()
        super().__init__(data)
        self.today = today

    def clean_on(self) -> dt.date | None:
        day = self.cleaned_data.get("on")
        if day is not None and not EARLIEST <= day <= latest_day(self.today):
            raise forms.ValidationError(
                _("Choose a date from %(first)s to %(last)s."),
                params={
                    "first": EARLIEST.isoformat(),
                    "last": latest_day(self.today).isoformat(),
                },
                code="out_of_range",
            )
        return day

    def _valid(self, name: str) -> object:
        # Validates once; a field in error falls back to its default alone.
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None

    def day(self) -> dt.date:
        return self._valid("on") or self.today

    def filters(self) -> Filters:
        return Filters(
            kind=self._valid("kind") or "",
            industry=self._valid("industry") or "",
            tenant_industry=self._valid("tenant_industry") or "",
        )

"""Forms of the manager's workspace.

The forms check what they can on their own (types, ranges, a unit within
the manager's carriers); the ledger's rules stay in the services, whose
ValidationErrors the views put back on these forms with `add_service_error`,
so a refusal keeps everything the user typed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from carriers.models import Carrier, Unit
from leasing.models import Handover
from leasing.terms import add_months

NOT_NEGATIVE = _("Meter readings cannot be negative.")
# How furnished packages list their items: lines, or 、，；as written in Chinese.
ITEM_SEPARATORS = re.compile(r"[\n、，,；;]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # ISO, whatever the language: what <input type="date"> reads and sends.
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on a form: on the field it names when the
    form has that field, else above the form (never a 500 for an unknown key)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        target = name if name in form.fields else None
        if target is None and name != NON_FIELD_ERRORS:
            # e.g. "allocation" from a model's full_clean(): not a form field.
            form.add_error(None, errors)
        else:
            form.add_error(target, errors)


class OfferForm(forms.Form):
    """Offer any unit of the manager's carriers to a request, with contract terms."""

    carrier = forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=Carrier.objects.none(),
        to_field_name="code",
        empty_label=_("Choose a carrier"),
    )
    unit = forms.CharField(
        label=_("Unit code"), max_length=32, help_text=_("As on the vacancy board, e.g. A-301.")
    )
    start = forms.DateField(label=_("Start date"), widget=DateInput())
    end = forms.DateField(
        label=_("End date"),
        required=False,
        widget=DateInput(),
        help_text=_("Exclusive: the first day after the lease. Empty means start + the term."),
    )
    hold_expires_at = forms.DateTimeField(label=_("Hold expires at"), widget=DateTimeInput())
    contracted_rent = forms.DecimalField(
        label=_("Contracted rent (CNY per m² per month)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Empty means the unit's list rent."),
    )
    rent_free_months = forms.IntegerField(
        label=_("Rent-free months"), min_value=0, max_value=120, initial=0
    )
    deposit = forms.DecimalField(
        label=_("Deposit (CNY)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, carriers: QuerySet[Carrier], term_months: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Only the carriers the manager manages: another carrier's code is an
        # invalid choice, which says nothing about what exists there.
        self.fields["carrier"].queryset = carriers
        self.term_months = term_months

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        carrier, code = data.get("carrier"), (data.get("unit") or "").strip()
        if carrier is not None and code:
            unit = Unit.objects.select_related("carrier").filter(carrier=carrier, code=code).first()
            if unit is None:
                message = _("%(carrier)s has no unit %(unit)s.")
                self.add_error("unit", message % {"carrier": carrier.name, "unit": code})
            else:
                data["unit_obj"] = unit
        start, end = data.get("start"), data.get("end")
        if start is not None and end is None:
            data["end"] = add_months(start, self.term_months)
        elif start is not None and end <= start:
            self.add_error("end", _("The end date must be after the start date."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "unit": data["unit_obj"],
            "start": data["start"],
            "end": data["end"],
            "expires_at": data["hold_expires_at"],
            "contracted_rent": data.get("contracted_rent"),
            "rent_free_months": data["rent_free_months"],
            "deposit": data.get("deposit") or Decimal("0"),
            "note": data.get("note", ""),
        }


class CloseRequestForm(forms.Form):
    # Its own prefix: it shares the request page with the offer form's note.
    prefix = "close"

    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The company sees this reason."),
    )


class WithdrawOfferForm(forms.Form):
    note = forms.CharField(label=_("Reason"), required=False, max_length=500)


class HandoverForm(forms.ModelForm):
    electricity_kwh = forms.DecimalField(
        label=_("electricity meter (kWh)"),
        required=False,
        max_digits=12,
        decimal_places=1,
        min_value=0,
        error_messages={"min_value": NOT_NEGATIVE},
    )
    water_m3 = forms.DecimalField(
        label=_("water meter (m³)"),
        required=False,
        max_digits=12,
        decimal_places=1,
        min_value=0,
        error_messages={"min_value": NOT_NEGATIVE},
    )

    class Meta:
        model = Handover
        fields = ("on", "keys", "access_cards", "furniture", "electricity_kwh", "water_m3", "notes")
        widgets = {
            "on": DateInput(),
            "furniture": forms.Textarea(attrs={"rows": 8}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }


def furniture_lines(package: str) -> str:
    """A turnkey unit's package as a checklist: one item per line, to tick off."""
    parts = (p.strip(" \t。.") for p in ITEM_SEPARATORS.split(package))
    return "\n".join(p for p in parts if p)


class RenewForm(forms.Form):
    new_end = forms.DateField(
        label=_("New end date"),
        widget=DateInput(),
        help_text=_("Exclusive: the first day after the renewed lease."),
    )
    contracted_rent = forms.DecimalField(
        label=_("New rent (CNY per m² per month)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        help_text=_("Empty keeps the current rent."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TerminateForm(forms.Form):
    on = forms.DateField(
        label=_("Free from"),
        widget=DateInput(),
        help_text=_("The first day the unit is free again (the lease's new end)."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoardDateForm(forms.Form):
    on = forms.DateField(label=_("On"), required=False, widget=DateInput())

    def day(self, default: dt.date) -> dt.date:
        if self.is_valid() and self.cleaned_data["on"]:
            return self.cleaned_data["on"]
        return default

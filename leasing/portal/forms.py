"""Forms of the tenant portal: sign-up, company registration, space requests, answers.

Every message is an English msgid (gettext); the site shows them in Chinese.
A form that fails keeps what was typed: the views re-render the bound form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.models import Carrier
from leasing.models import SpaceRequest, Tenant
from leasing.uscc import normalise_uscc, validate_uscc

# The one message for a code that is already registered. It must say nothing
# about the company that holds it: whoever types a code learns only that it is
# taken, and whom to ask.
USCC_TAKEN = _(
    "A company with this unified social credit code is already registered. Ask one of "
    "its existing users to add you to it, or ask the carrier's staff for help."
)

# Fields of a tailored fit-out (量身定制); a turnkey request does not carry them.
TAILORED_FIELDS = ("power_kva", "cleanroom_class", "floor_load_kn_m2", "network")


class SignupForm(UserCreationForm):
    """The person's own account; the company comes from CompanyForm in the same POST."""

    email = forms.EmailField(
        label=_("Email"),
        help_text=_("Offers and lease notices are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class CompanyForm(forms.ModelForm):
    # Longer than the stored 18 characters: people paste codes with spaces or
    # dashes, which clean_uscc removes before the length is checked.
    uscc = forms.CharField(
        label=_("unified social credit code"),
        max_length=40,
        help_text=_("18 characters, as on the business licence (统一社会信用代码)."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )

    class Meta:
        model = Tenant
        fields = (
            "name",
            "uscc",
            "industry",
            "contact_name",
            "contact_phone",
            "contact_email",
            "employees",
            "rd_staff",
        )
        widgets = {
            "contact_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "employees": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "rd_staff": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Whoever registers needs to be reachable about offers.
        self.fields["contact_name"].required = True
        self.fields["contact_phone"].required = True

    def clean_uscc(self) -> str:
        code = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(code)
        if Tenant.objects.filter(uscc=code).exists():
            raise ValidationError(USCC_TAKEN, code="uscc_taken")
        return code


class SpaceRequestForm(forms.ModelForm):
    """用房申请. The hidden token makes a double submit land on one request."""

    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form is incomplete; please reload the page and submit it again."),
            "invalid": _("This form is incomplete; please reload the page and submit it again."),
        },
    )
    preferred_carriers = forms.ModelMultipleChoiceField(
        label=_("preferred carriers"),
        queryset=Carrier.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to let any carrier in the zone offer you space."),
    )

    class Meta:
        model = SpaceRequest
        fields = (
            "area_min",
            "area_max",
            "unit_kind",
            "seats",
            "move_in_on",
            "term_months",
            "fit_out",
            "power_kva",
            "cleanroom_class",
            "floor_load_kn_m2",
            "network",
            "notes",
            "preferred_carriers",
            "budget_per_m2",
        )
        widgets = {
            "area_min": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "area_max": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "seats": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "move_in_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "term_months": forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
            "fit_out": forms.RadioSelect,
            "budget_per_m2": forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            # PositiveIntegerField's own message ("greater than or equal to 0") is
            # not one a tenant reads easily.
            "seats": {"min_value": _("The number of seats cannot be negative.")},
            "term_months": {"min_value": _("The term must be at least one month.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].required = False
        self.fields["seats"].help_text = _("Work seats you need; 0 if it does not matter.")
        self.fields["budget_per_m2"].help_text = _("Optional: the most you plan to pay.")

    def clean_area_min(self) -> Decimal | None:
        return self._positive_area("area_min")

    def clean_area_max(self) -> Decimal | None:
        return self._positive_area("area_max")

    def _positive_area(self, name: str) -> Decimal | None:
        area = self.cleaned_data.get(name)
        if area is not None and area <= 0:
            raise ValidationError(_("The area must be greater than zero."), code="area_positive")
        return area

    def clean_seats(self) -> int:
        return self.cleaned_data.get("seats") or 0

    def clean_move_in_on(self) -> dt.date:
        day = self.cleaned_data["move_in_on"]
        if day < timezone.localdate():
            raise ValidationError(_("The move-in date cannot be in the past."), code="move_in_past")
        return day

    def clean_term_months(self) -> int:
        months = self.cleaned_data["term_months"]
        # The model field's own min_value refuses 0 first; this covers anything
        # that slips past it with the same words.
        if months < 1:
            raise ValidationError(_("The term must be at least one month."), code="term_positive")
        return months

    def clean_budget_per_m2(self) -> Decimal | None:
        budget = self.cleaned_data.get("budget_per_m2")
        if budget is not None and budget < 0:
            raise ValidationError(_("The budget cannot be negative."), code="budget_negative")
        return budget

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        area_min, area_max = data.get("area_min"), data.get("area_max")
        if area_min is not None and area_max is not None and area_min > area_max:
            self.add_error(
                "area_max",
                ValidationError(
                    _("The maximum area must not be less than the minimum area."),
                    code="area_range",
                ),
            )
        if data.get("fit_out") == SpaceRequest.FitOut.TURNKEY:
            # These fields are hidden for turnkey on the page: never keep (or
            # refuse the form over) needs the tenant can no longer see.
            for name in TAILORED_FIELDS:
                self._errors.pop(name, None)
                data[name] = self.fields[name].to_python(None)  # "" or None, as if left blank
        return data

    def service_fields(self) -> dict[str, Any]:
        """cleaned_data as request_submit's keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("token")
        data.pop("preferred_carriers")
        return data


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Telling the carrier why helps them offer a better unit."),
    )

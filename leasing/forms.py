"""Admin forms for tenants and the allocation ledger.

The allocation form is where the admin keeps the ledger's rule (no two
occupying allocations of one unit overlap): it runs the same checks as
leasing.services.allocation_create, with the unit's row locked, so a refusal
is a form error that keeps what the user typed, never a 500.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leasing.models import Allocation, Tenant
from leasing.services import allocation_check
from leasing.uscc import normalise_uscc, validate_uscc

# The fields whose change can make an allocation collide with another one.
LEDGER_FIELDS = frozenset({"unit", "start", "end", "state", "hold_expires_at"})


class TenantAdminForm(forms.ModelForm):
    # No max_length here: people paste the code with spaces and dashes, which
    # clean_uscc() strips; the model field's 18-character limit and its
    # validator then judge the normalised code.
    uscc = forms.CharField(
        label=Tenant._meta.get_field("uscc").verbose_name,
        help_text=Tenant._meta.get_field("uscc").help_text,
    )

    class Meta:
        model = Tenant
        fields = (
            "name",
            "uscc",
            "industry",
            "founded_on",
            "employees",
            "rd_staff",
            "contact_name",
            "contact_phone",
            "contact_email",
            "incubation_entered_on",
            "graduated_on",
            "moved_out_on",
            "users",
            "created_at",
        )

    def clean_uscc(self) -> str:
        # Normalised here, before _post_clean(), so the unique check compares
        # the code as stored and a lower-case duplicate is caught as one.
        value = normalise_uscc(self.cleaned_data["uscc"])
        validate_uscc(value)
        return value


class AllocationAdminForm(forms.ModelForm):
    class Meta:
        model = Allocation
        # Not created_at / created_by: allocation_create() stamps them.
        fields = (
            "unit",
            "tenant",
            "request",
            "start",
            "end",
            "state",
            "hold_expires_at",
            "contracted_rent",
            "rent_free_months",
            "deposit",
            "signed_on",
            "moved_in_on",
            "moved_out_on",
            "counts_as_incubation",
            "note",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rent = self.fields.get("contracted_rent")
        if rent is not None and self.instance.pk is None:
            # A new allocation left empty is let at the unit's list rent,
            # as allocation_create() does.
            rent.required = False
            rent.initial = None
            self.initial.pop("contracted_rent", None)
            rent.help_text = _("Empty means the unit's list rent.")

    def _post_clean(self) -> None:
        # After the model's own clean(), so the ledger is only consulted for
        # an otherwise valid allocation and no message is given twice.
        super()._post_clean()
        if not self.errors:
            self._check_ledger()

    def _check_ledger(self) -> None:
        allocation = self.instance
        adding = allocation._state.adding
        if not adding and (
            allocation.state == Allocation.State.CANCELLED
            or not LEDGER_FIELDS.intersection(self.changed_data)
        ):
            return  # a cancelled row occupies nothing; an untouched range cannot collide
        # In the admin this runs inside the view's transaction, so the lock
        # taken here holds until the allocation is saved: the check cannot go
        # stale before the write. Outside a transaction it is a short one.
        try:
            with transaction.atomic():
                allocation_check(
                    unit_id=allocation.unit_id,
                    start=allocation.start,
                    end=allocation.end,
                    state=allocation.state,
                    hold_expires_at=allocation.hold_expires_at,
                    now=timezone.now(),
                    exclude_id=None if adding else allocation.pk,
                )
        except forms.ValidationError as exc:
            # AllocationConflict is a ValidationError too: it names the lease.
            self.add_error(None, exc)

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of allocation_create()."""
        return dict(self.cleaned_data)

"""Tenants, their qualifications and requests, and the allocation ledger.

The ledger (Allocation) is the single source of truth of who has which unit
when. Each row ties a unit to a tenant for the half-open date range
[start, end) — end may be open — in a state. Held, active and ended rows all
occupy their range; only cancelled rows do not. Two occupying rows of one unit
never overlap: on PostgreSQL an exclusion constraint forbids it (migration
leasing/0002), on SQLite the services in leasing/services.py check it inside a
serialised (BEGIN IMMEDIATE) transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carriers.choices import Industry
from carriers.models import AREA, MONEY, Carrier, Unit
from carriers.status import occupying_q
from leasing.uscc import normalise_uscc, validate_uscc


class Tenant(models.Model):
    name = models.CharField(_("company name"), max_length=120)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码: 18 characters, as on the business licence."),
    )
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, default=Industry.MIXED
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    rd_staff = models.PositiveIntegerField(_("R&D staff"), default=0)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    incubation_entered_on = models.DateField(_("entered incubation on"), null=True, blank=True)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("users"),
        related_name="tenants",
        blank=True,
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rd_staff__lte=F("employees")),
                name="tenant_rd_staff_within_employees",
                violation_error_message=_("R&D staff cannot exceed employees."),
            ),
            models.CheckConstraint(
                condition=Q(graduated_on__isnull=True)
                | Q(
                    incubation_entered_on__isnull=False,
                    graduated_on__gt=F("incubation_entered_on"),
                ),
                name="tenant_graduated_after_entering",
                violation_error_message=_("A company graduates after it entered incubation."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.uscc = normalise_uscc(self.uscc)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude: object = None) -> None:
        # Normalise before the field checks: max_length (18) would otherwise
        # refuse a code pasted with spaces or dashes before clean() compacts it.
        self.uscc = normalise_uscc(self.uscc)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        self.uscc = normalise_uscc(self.uscc)
        if self.rd_staff > self.employees:
            raise ValidationError({"rd_staff": _("R&D staff cannot exceed employees.")})
        if self.graduated_on and (
            not self.incubation_entered_on or self.graduated_on <= self.incubation_entered_on
        ):
            raise ValidationError(
                {"graduated_on": _("A company graduates after it entered incubation.")}
            )

    def in_incubation_on(self, day: dt.date) -> bool:
        if not self.incubation_entered_on or day < self.incubation_entered_on:
            return False
        ends = [d for d in (self.graduated_on, self.moved_out_on) if d]
        return not ends or day < min(ends)


class Qualification(models.Model):
    class Kind(models.TextChoices):
        TECH_SME = "tech_sme", _("Tech SME")
        HIGH_TECH = "high_tech", _("High-tech enterprise")
        GAZELLE = "gazelle", _("Gazelle")
        POTENTIAL_UNICORN = "potential_unicorn", _("Potential unicorn")
        UNICORN = "unicorn", _("Unicorn")
        LITTLE_GIANT = "little_giant", _("Specialised little giant")

    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.CASCADE,
        related_name="qualifications",
        verbose_name=_("tenant"),
    )
    kind = models.CharField(_("qualification"), max_length=32, choices=Kind.choices)
    issuer = models.CharField(_("issuer"), max_length=120, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=64, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Exclusive; empty means open-ended.")
    )

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["tenant", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="qualification_valid_to_after_from",
                violation_error_message=_("The end of validity must follow its start."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant} · {self.get_kind_display()}"

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to <= self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity must follow its start.")})


class SpaceRequest(models.Model):
    class FitOut(models.TextChoices):
        TURNKEY = "turnkey", _("Turnkey (拎包入住)")
        TAILORED = "tailored", _("Tailored fit-out (量身定制)")

    class Status(models.TextChoices):
        # In the queue. A declined or expired offer sends the request back here.
        SUBMITTED = "submitted", _("Submitted")
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.SUBMITTED, Status.OFFERED)

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="requests", verbose_name=_("tenant")
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    area_min = models.DecimalField(_("minimum area (m²)"), **AREA)
    area_max = models.DecimalField(_("maximum area (m²)"), **AREA)
    unit_kind = models.CharField(_("unit kind"), max_length=16, choices=Unit.Kind.choices)
    seats = models.PositiveIntegerField(_("seats"), default=0)
    move_in_on = models.DateField(_("move-in date"))
    term_months = models.PositiveSmallIntegerField(
        _("term (months)"), validators=[MinValueValidator(1)]
    )
    fit_out = models.CharField(
        _("fit-out"), max_length=16, choices=FitOut.choices, default=FitOut.TURNKEY
    )
    power_kva = models.PositiveIntegerField(_("power (kVA)"), null=True, blank=True)
    cleanroom_class = models.CharField(_("cleanroom class"), max_length=32, blank=True)
    floor_load_kn_m2 = models.DecimalField(
        _("floor load (kN/m²)"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    network = models.CharField(_("network"), max_length=120, blank=True)
    notes = models.TextField(_("other needs"), blank=True)
    preferred_carriers = models.ManyToManyField(
        Carrier, verbose_name=_("preferred carriers"), related_name="+", blank=True
    )
    budget_per_m2 = models.DecimalField(
        _("budget (CNY per m² per month)"), **MONEY, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # Set by the request form: the same form submitted twice (a double click,
    # a resent POST) finds the request it already made instead of a second one.
    client_token = models.UUIDField(_("form token"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("space request")
        verbose_name_plural = _("space requests")
        ordering = ["submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_min__gt=0),
                name="request_area_min_positive",
                violation_error_message=_("The minimum area must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(area_max__gte=F("area_min")),
                name="request_area_range",
                violation_error_message=_(
                    "The maximum area must not be less than the minimum area."
                ),
            ),
            models.CheckConstraint(
                condition=Q(term_months__gt=0),
                name="request_term_positive",
                violation_error_message=_("The term must be at least one month."),
            ),
            models.UniqueConstraint(
                fields=["tenant", "client_token"],
                name="request_submitted_once",
                violation_error_message=_("This request has already been submitted."),
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.tenant}"

    def clean(self) -> None:
        if None not in (self.area_min, self.area_max) and self.area_min > self.area_max:
            raise ValidationError(
                {"area_max": _("The maximum area must not be less than the minimum area.")}
            )


class AllocationQuerySet(models.QuerySet["Allocation"]):
    def occupying(self, *, now: dt.datetime | None = None) -> AllocationQuerySet:
        """Rows that occupy their range: not cancelled, and no hold past its expiry."""
        return self.filter(occupying_q("", now or timezone.now()))

    def overlapping(self, start: dt.date, end: dt.date | None) -> AllocationQuerySet:
        """Rows whose [start, end) meets the half-open range [start, end)."""
        qs = self.filter(Q(end__isnull=True) | Q(end__gt=start))
        if end is not None:
            qs = qs.filter(start__lt=end)
        return qs

    def on(self, day: dt.date) -> AllocationQuerySet:
        return self.overlapping(day, day + dt.timedelta(days=1))


class Allocation(models.Model):
    """One row of the ledger: a unit allocated to a tenant for [start, end)."""

    class State(models.TextChoices):
        HELD = "held", _("Held")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    # States whose range is real: the ones the no-overlap rule covers.
    OCCUPYING_STATES = (State.HELD, State.ACTIVE, State.ENDED)

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("unit")
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("tenant")
    )
    request = models.ForeignKey(
        SpaceRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("space request"),
    )
    start = models.DateField(_("start date"))
    end = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Exclusive; empty means open-ended.")
    )
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    hold_expires_at = models.DateTimeField(_("hold expires at"), null=True, blank=True)
    contracted_rent = models.DecimalField(
        _("contracted rent (CNY per m² per month)"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    rent_free_months = models.PositiveSmallIntegerField(_("rent-free months"), default=0)
    deposit = models.DecimalField(
        _("deposit (CNY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    counts_as_incubation = models.BooleanField(_("counts as incubation area"), default=False)
    note = models.TextField(_("note"), blank=True)
    ending_notice_sent_on = models.DateField(
        _("end-of-lease notice sent on"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = AllocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["unit", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="allocation_end_after_start",
                violation_error_message=_("The end date must be after the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(state="held") | Q(hold_expires_at__isnull=False),
                name="allocation_hold_has_expiry",
                violation_error_message=_("A hold needs an expiry."),
            ),
            models.CheckConstraint(
                condition=~Q(state="ended") | Q(end__isnull=False),
                name="allocation_ended_has_end",
                violation_error_message=_("An ended lease needs an end date."),
            ),
            models.CheckConstraint(
                condition=Q(contracted_rent__gte=0) & Q(deposit__gte=0),
                name="allocation_money_not_negative",
                violation_error_message=_("Rent and deposit cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["held", "active", "ended", "cancelled"]),
                name="allocation_state_valid",
                violation_error_message=_("Unknown allocation state."),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "start"]),
            models.Index(fields=["tenant", "start"]),
            models.Index(fields=["state", "end"]),
        ]

    def __str__(self) -> str:
        return _("Lease #%(id)s") % {"id": self.pk}

    @property
    def period_label(self) -> str:
        """The range as people read it, e.g. 2025-03-01 – 2026-02-28 (last day inclusive)."""
        if self.end is None:
            return _("%(start)s – open-ended") % {"start": self.start.isoformat()}
        last_day = self.end - dt.timedelta(days=1)
        return f"{self.start.isoformat()} – {last_day.isoformat()}"

    def clean(self) -> None:
        if self.end is not None and self.start is not None and self.end <= self.start:
            raise ValidationError({"end": _("The end date must be after the start date.")})
        if self.state == self.State.HELD and not self.hold_expires_at:
            raise ValidationError({"hold_expires_at": _("A hold needs an expiry.")})
        if self.state == self.State.ENDED and self.end is None:
            raise ValidationError({"end": _("An ended lease needs an end date.")})


class Handover(models.Model):
    """The move-in or move-out checklist of one lease."""

    class Kind(models.TextChoices):
        MOVE_IN = "move_in", _("Move-in")
        MOVE_OUT = "move_out", _("Move-out")

    allocation = models.ForeignKey(
        Allocation, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("lease")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    on = models.DateField(_("handover date"))
    keys = models.PositiveSmallIntegerField(_("keys"), default=0)
    access_cards = models.PositiveSmallIntegerField(_("access cards"), default=0)
    furniture = models.TextField(
        _("furniture inventory"),
        blank=True,
        help_text=_("For turnkey units: each item and its count and condition, one per line."),
    )
    electricity_kwh = models.DecimalField(
        _("electricity meter (kWh)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    water_m3 = models.DecimalField(
        _("water meter (m³)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["allocation", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["allocation", "kind"],
                name="handover_once_per_kind",
                violation_error_message=_("This lease already has this handover."),
            ),
            models.CheckConstraint(
                condition=Q(electricity_kwh__gte=0) | Q(electricity_kwh__isnull=True),
                name="handover_electricity_not_negative",
                violation_error_message=_("Meter readings cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(water_m3__gte=0) | Q(water_m3__isnull=True),
                name="handover_water_not_negative",
                violation_error_message=_("Meter readings cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocation} · {self.get_kind_display()}"


class Event(models.Model):
    """One state change of a request or an allocation: who, when, from → to, why.

    Written by the services in the same transaction as the change itself, so
    the history can never disagree with the ledger.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    request = models.ForeignKey(
        SpaceRequest,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("space request"),
    )
    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("lease"),
    )
    # Denormalised so unit and tenant pages list their history in one query.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("unit"),
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="events", verbose_name=_("tenant")
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(allocation__isnull=False),
                name="event_has_subject",
                violation_error_message=_("An event belongs to a request or a lease."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_state} → {self.to_state}"

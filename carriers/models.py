"""Space inventory: carriers, their buildings, floors and units.

A unit's status on a date is never stored here: it is derived from the
allocation ledger (leasing.Allocation) and the unit's own dates, see
carriers/status.py.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carriers.choices import Industry
from carriers.status import UnitStatus, annotate_status

AREA = {"max_digits": 10, "decimal_places": 2}
MONEY = {"max_digits": 10, "decimal_places": 2}


class Carrier(models.Model):
    class Kind(models.TextChoices):
        INCUBATOR = "incubator", _("Incubator")
        ACCELERATOR = "accelerator", _("Accelerator")
        MAKER_SPACE = "maker_space", _("Maker space")
        RD_HEADQUARTERS = "rd_hq", _("R&D headquarters")
        INNOVATION_CENTRE = "innovation_centre", _("Innovation centre")
        INDUSTRIAL_PARK = "industrial_park", _("Industrial park")

    class Level(models.TextChoices):
        NATIONAL = "national", _("National")
        PROVINCIAL = "provincial", _("Provincial")
        MUNICIPAL = "municipal", _("Municipal")
        NONE = "none", _("None")

    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Short code used in imports, URLs and unit references."),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    level = models.CharField(
        _("recognition level"), max_length=16, choices=Level.choices, default=Level.NONE
    )
    operator = models.CharField(_("operator"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    industry_focus = models.CharField(
        _("industry focus"), max_length=32, choices=Industry.choices, default=Industry.MIXED
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("space managers"),
        related_name="managed_carriers",
        blank=True,
    )

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="buildings", verbose_name=_("carrier")
    )
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=80)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["carrier", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "code"],
                name="building_code_unique",
                violation_error_message=_("This carrier already has a building with this code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} · {self.name}"


class Floor(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="floors", verbose_name=_("building")
    )
    level = models.SmallIntegerField(
        _("level"), help_text=_("1 is the ground floor; basements are negative.")
    )
    label = models.CharField(_("label"), max_length=16, help_text=_("As signed, e.g. 3F or B1."))

    class Meta:
        verbose_name = _("floor")
        verbose_name_plural = _("floors")
        ordering = ["building", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "level"],
                name="floor_level_unique",
                violation_error_message=_("This building already has this floor."),
            ),
            models.CheckConstraint(
                condition=~Q(level=0),
                name="floor_level_not_zero",
                violation_error_message=_(
                    "There is no floor 0: the ground floor is 1, basements are -1, -2, ..."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.building} · {self.label}"


class UnitQuerySet(models.QuerySet["Unit"]):
    def with_status(self, on: dt.date, *, now: dt.datetime | None = None) -> UnitQuerySet:
        """Annotate each unit's derived status on a date, in the same single query."""
        return annotate_status(self, on, now=now)

    def status_counts(self, on: dt.date) -> dict[str, int]:
        """Units per status on a date: one query whatever the number of units."""
        rows = self.with_status(on).order_by().values("status").annotate(n=models.Count("pk"))
        counts = dict.fromkeys(UnitStatus.values, 0)
        counts.update({row["status"]: row["n"] for row in rows})
        return counts


class Unit(models.Model):
    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        LAB = "lab", _("Laboratory")
        WORKSHOP = "workshop", _("Workshop")
        CLEANROOM = "cleanroom", _("Cleanroom")
        COWORKING = "coworking", _("Co-working seats")
        WAREHOUSE = "warehouse", _("Warehouse")

    # Denormalised from floor.building.carrier so the database itself can keep
    # unit codes unique within a carrier; save() keeps it in step.
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.CASCADE,
        related_name="units",
        verbose_name=_("carrier"),
        editable=False,
    )
    floor = models.ForeignKey(
        Floor, on_delete=models.CASCADE, related_name="units", verbose_name=_("floor")
    )
    code = models.CharField(_("code"), max_length=32)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)
    gross_area = models.DecimalField(
        _("gross area (m²)"), **AREA, validators=[MinValueValidator(Decimal("0.01"))]
    )
    usable_area = models.DecimalField(
        _("usable area (m²)"), **AREA, validators=[MinValueValidator(Decimal("0.01"))]
    )
    seats = models.PositiveIntegerField(_("seats"), default=0)
    list_rent = models.DecimalField(
        _("list rent (CNY per m² per month)"),
        **MONEY,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    leasable = models.BooleanField(
        _("leasable"),
        default=True,
        help_text=_("Off for common or public-service space, which no tenant can lease."),
    )
    turnkey = models.BooleanField(
        _("turnkey (拎包入住)"), default=False, help_text=_("Furnished, ready to move in.")
    )
    turnkey_package = models.TextField(
        _("furnished package"),
        blank=True,
        help_text=_("What a turnkey tenant finds: desks, chairs, meeting room, network, ..."),
    )
    ready_on = models.DateField(
        _("ready on"),
        null=True,
        blank=True,
        help_text=_(
            "While being made ready (fit-out or turnkey make-ready): the date it will be "
            "ready. Empty means ready whenever in service."
        ),
    )
    in_service_from = models.DateField(_("in service from"))
    retired_on = models.DateField(
        _("retired on"),
        null=True,
        blank=True,
        help_text=_("First day the unit no longer exists as leasable space."),
    )

    # Where the unit lies on its floor's plan, in fractions of the plan's width
    # and height (so a re-uploaded plan of another resolution keeps it):
    # {"kind": "rect" | "polygon", "points": [[x, y], ...]}. See carriers/shapes.py.
    shape = models.JSONField(_("shape on the floor plan"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["carrier", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "code"],
                name="unit_code_unique_in_carrier",
                violation_error_message=_("This carrier already has a unit with this code."),
            ),
            models.CheckConstraint(
                condition=Q(gross_area__gt=0),
                name="unit_gross_area_positive",
                violation_error_message=_("Gross area must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(usable_area__gt=0),
                name="unit_usable_area_positive",
                violation_error_message=_("Usable area must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(usable_area__lte=F("gross_area")),
                name="unit_usable_not_over_gross",
                violation_error_message=_("Usable area cannot exceed gross area."),
            ),
            models.CheckConstraint(
                condition=Q(list_rent__gte=0),
                name="unit_rent_not_negative",
                violation_error_message=_("List rent cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(retired_on__isnull=True) | Q(retired_on__gt=F("in_service_from")),
                name="unit_retired_after_in_service",
                violation_error_message=_("A unit must be retired after it comes into service."),
            ),
        ]
        indexes = [
            models.Index(fields=["floor", "code"]),
            # The unit search sorts the whole district by these: with the id as
            # tie-breaker the index gives a page at once (rent, page 5: 45.6 -> 31.6 ms).
            models.Index(fields=["list_rent", "id"], name="unit_rent_sort_idx"),
            models.Index(fields=["gross_area", "id"], name="unit_area_sort_idx"),
            models.Index(fields=["seats", "id"], name="unit_seats_sort_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code}/{self.code}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.carrier_id = self.floor.building.carrier_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if None not in (self.gross_area, self.usable_area) and self.usable_area > self.gross_area:
            errors["usable_area"] = _("Usable area cannot exceed gross area.")
        if self.retired_on and self.in_service_from and self.retired_on <= self.in_service_from:
            errors["retired_on"] = _("A unit must be retired after it comes into service.")
        if self.turnkey and not self.turnkey_package.strip():
            errors["turnkey_package"] = _("Describe the furnished package of a turnkey unit.")
        if errors:
            raise ValidationError(errors)

    @property
    def common_share(self) -> Decimal:
        """公摊: gross minus usable area."""
        return self.gross_area - self.usable_area

    @property
    def efficiency(self) -> Decimal:
        """得房率: usable ÷ gross."""
        return (self.usable_area / self.gross_area).quantize(Decimal("0.0001"))

    def in_service_on(self, day: dt.date) -> bool:
        return self.in_service_from <= day and (self.retired_on is None or day < self.retired_on)


def unguessable_upload_to(instance: models.Model, filename: str) -> str:
    """An upload path nobody can guess or enumerate: a random 192-bit token.

    Every image is re-encoded before it is stored (carriers/images.py), so the
    extension is the one of the format we wrote, never the uploader's.
    """
    suffix = Path(filename).suffix.lower()
    return f"{instance._meta.model_name}/{secrets.token_urlsafe(24)}{suffix}"


class StoredImage(models.Model):
    """An uploaded picture as kept: re-encoded, EXIF stripped, with two thumbnails.

    Files live under MEDIA_ROOT with random names and are never served by the
    web server directly: carriers/media_views.py checks the asker's scope first.
    """

    image = models.ImageField(
        _("image"), upload_to=unguessable_upload_to, width_field="width", height_field="height"
    )
    thumb_small = models.ImageField(_("small thumbnail"), upload_to=unguessable_upload_to)
    thumb_large = models.ImageField(_("large thumbnail"), upload_to=unguessable_upload_to)
    width = models.PositiveIntegerField(_("width (px)"), editable=False, default=0)
    height = models.PositiveIntegerField(_("height (px)"), editable=False, default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        abstract = True

    def file_url(self, size: str = "full") -> str:
        """The scoped download URL of the image ("full") or a thumbnail ("large", "small")."""
        if size not in ("full", "large", "small"):
            raise ValueError(f"no such image size: {size!r}")
        name = {"floorplan": "plan", "unitphoto": "photo", "carriercover": "cover"}
        return reverse(f"files:{name[self._meta.model_name]}", args=[self.pk, size])


class FloorPlan(StoredImage):
    floor = models.OneToOneField(
        Floor, on_delete=models.CASCADE, related_name="plan", verbose_name=_("floor")
    )

    class Meta:
        verbose_name = _("floor plan")
        verbose_name_plural = _("floor plans")

    def __str__(self) -> str:
        return str(self.floor)


class UnitPhoto(StoredImage):
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("unit")
    )
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("unit photo")
        verbose_name_plural = _("unit photos")
        ordering = ["unit", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.unit} #{self.position}"


class CarrierCover(StoredImage):
    carrier = models.OneToOneField(
        Carrier, on_delete=models.CASCADE, related_name="cover", verbose_name=_("carrier")
    )

    class Meta:
        verbose_name = _("cover photo")
        verbose_name_plural = _("cover photos")

    def __str__(self) -> str:
        return str(self.carrier)

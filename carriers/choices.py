"""Choices shared by carriers and tenants (industry focus versus company industry)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Industry(models.TextChoices):
    """The zone's "区域+功能" industry lines (DESIGN.md §2)."""

    LIFE_HEALTH = "life_health", _("Life and health")
    BIOMEDICINE = "biomedicine", _("Biomedicine")
    ELECTRONICS = "electronics", _("Electronic information")
    INTEGRATED_CIRCUITS = "ic", _("Integrated circuits")
    AI = "ai", _("Artificial intelligence")
    ADVANCED_EQUIPMENT = "equipment", _("Advanced equipment")
    NEW_MATERIALS = "materials", _("New materials")
    NEW_ENERGY = "energy", _("New energy")
    DIGITAL_ECONOMY = "digital", _("Digital economy")
    MODERN_AGRICULTURE = "agriculture", _("Modern agriculture")
    MIXED = "mixed", _("Mixed")

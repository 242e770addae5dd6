"""The one access layer: who may see and change what (DESIGN.md §1, §4.4).

Every view, export, download and JSON endpoint starts from `scope_for(user)`
and reads through the querysets here, so a query can never forget its scope.
Out of scope is a 404 (`get_in_scope`), never a 403 that confirms the object
exists. Leadership reads everything and may change nothing (`require_manager`
refuses with 403: they can see the object, so nothing leaks).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import FieldError, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from carriers.models import Carrier, CarrierCover, Floor, FloorPlan, Unit, UnitPhoto
from leasing.models import Allocation, Handover, SpaceRequest, Tenant

LEADERSHIP_GROUP = "leadership"
MANAGER_GROUP = "space_manager"
TENANT_GROUP = "tenant"

M = TypeVar("M", bound=Model)


class OutOfScope(Http404):
    """A 404 for an object that exists outside the asker's scope.

    The response is the same 404 as for an absent object; the distinction is
    only for the log of refusals (config/audit.py).
    """

    def __init__(self, model_label: str) -> None:
        super().__init__()
        self.model_label = model_label


class Role(enum.StrEnum):
    ADMIN = "admin"
    LEADERSHIP = "leadership"
    MANAGER = "manager"
    TENANT = "tenant"
    NONE = "none"


@dataclass(frozen=True)
class Scope:
    """What one user may reach, worked out once per request."""

    user: AbstractBaseUser | AnonymousUser
    role: Role
    # Carriers the user manages (all of them for the district admin).
    managed_carrier_ids: frozenset[int]
    # Companies the user acts for (tenant users).
    tenant_ids: frozenset[int]

    @property
    def reads_everything(self) -> bool:
        return self.role in (Role.ADMIN, Role.LEADERSHIP)

    @property
    def is_staff_side(self) -> bool:
        """Admin, leadership and managers: the people who work on the carriers' side."""
        return self.role in (Role.ADMIN, Role.LEADERSHIP, Role.MANAGER)

    @property
    def is_tenant_side(self) -> bool:
        """A company's user (or someone who signed up and has yet to register one)."""
        return self.role == Role.TENANT or bool(self.tenant_ids)

    def manages(self, carrier_id: int) -> bool:
        return self.role == Role.ADMIN or carrier_id in self.managed_carrier_ids

    def acts_for(self, tenant_id: int) -> bool:
        return tenant_id in self.tenant_ids

    # --- scoped reads ------------------------------------------------------------

    def floors(self) -> QuerySet[Floor]:
        """Floors of the carriers the user reads (none for tenants)."""
        return Floor.objects.filter(building__carrier__in=self.carriers())

    def carriers(self) -> QuerySet[Carrier]:
        qs = Carrier.objects.all()
        if self.reads_everything:
            return qs
        if self.role == Role.MANAGER:
            return qs.filter(pk__in=self.managed_carrier_ids)
        return qs.none()

    def units(self) -> QuerySet[Unit]:
        """Managers: their carriers' units. Tenants: units leased or offered to them."""
        qs = Unit.objects.all()
        if self.reads_everything:
            return qs
        if self.role == Role.MANAGER:
            return qs.filter(carrier_id__in=self.managed_carrier_ids)
        if self.tenant_ids:
            return qs.filter(
                pk__in=Allocation.objects.filter(tenant_id__in=self.tenant_ids)
                .exclude(state=Allocation.State.CANCELLED)
                .values("unit_id")
            )
        return qs.none()

    def tenants(self) -> QuerySet[Tenant]:
        """Managers see companies with a lease in, or a request to, their carriers."""
        qs = Tenant.objects.all()
        if self.reads_everything:
            return qs
        if self.role == Role.MANAGER:
            return qs.filter(
                Q(pk__in=self.allocations().values("tenant_id"))
                | Q(pk__in=self.requests().values("tenant_id"))
            )
        return qs.filter(pk__in=self.tenant_ids)

    def requests(self) -> QuerySet[SpaceRequest]:
        """A manager's queue: requests naming one of their carriers, or naming none
        (open to the whole district), or offered a unit of theirs."""
        qs = SpaceRequest.objects.all()
        if self.reads_everything:
            return qs
        if self.role == Role.MANAGER:
            ids = self.managed_carrier_ids
            if not ids:
                # In the managers' group but given no carrier yet: no queue at all,
                # not the district-wide pool of requests naming no carrier.
                return qs.none()
            return qs.filter(
                Q(preferred_carriers__isnull=True)
                | Q(
                    pk__in=SpaceRequest.preferred_carriers.through.objects.filter(
                        carrier_id__in=ids
                    ).values("spacerequest_id")
                )
                | Q(
                    pk__in=Allocation.objects.filter(
                        unit__carrier_id__in=ids, request__isnull=False
                    ).values("request_id")
                )
            ).distinct()
        return qs.filter(tenant_id__in=self.tenant_ids)

    def allocations(self) -> QuerySet[Allocation]:
        qs = Allocation.objects.all()
        if self.reads_everything:
            return qs
        if self.role == Role.MANAGER:
            return qs.filter(unit__carrier_id__in=self.managed_carrier_ids)
        return qs.filter(tenant_id__in=self.tenant_ids)

    def handovers(self) -> QuerySet[Handover]:
        return Handover.objects.filter(allocation__in=self.allocations())

    # --- pictures (carriers/images.py) ------------------------------------------------

    def pictured_units(self, now: dt.datetime | None = None) -> QuerySet[Unit]:
        """Units whose photos and floor the user may look at.

        Staff: as units(). A company's users: only units it leases now or will
        (an active lease) or is offered now (a hold not yet expired); not units
        it has left, nor offers it let lapse or turned down.
        """
        if self.is_staff_side:
            return self.units()
        if not self.tenant_ids:
            return Unit.objects.none()
        now = now or timezone.now()
        live = Allocation.objects.filter(tenant_id__in=self.tenant_ids).filter(
            Q(state=Allocation.State.ACTIVE)
            | Q(state=Allocation.State.HELD, hold_expires_at__gt=now)
        )
        return Unit.objects.filter(pk__in=live.values("unit_id"))

    def unit_photos(self, now: dt.datetime | None = None) -> QuerySet[UnitPhoto]:
        return UnitPhoto.objects.filter(unit__in=self.pictured_units(now))

    def floor_plans(self, now: dt.datetime | None = None) -> QuerySet[FloorPlan]:
        """Staff: their carriers' plans. A company: the plans of the floors its
        pictured units are on, never the rest of the building."""
        if self.is_staff_side:
            return FloorPlan.objects.filter(floor__building__carrier__in=self.carriers())
        return FloorPlan.objects.filter(floor_id__in=self.pictured_units(now).values("floor_id"))

    def carrier_covers(self, now: dt.datetime | None = None) -> QuerySet[CarrierCover]:
        """Staff: their carriers' covers. A company: those of the carriers of its pictured units."""
        if self.is_staff_side:
            return CarrierCover.objects.filter(carrier__in=self.carriers())
        return CarrierCover.objects.filter(
            carrier__in=self.pictured_units(now).values("carrier_id")
        )

    # --- writes ------------------------------------------------------------------

    def require_manager(self, carrier_id: int) -> None:
        """Refuse a change to a carrier's space by anyone who does not manage it."""
        if self.manages(carrier_id):
            return
        if self.reads_everything:
            raise PermissionDenied  # leadership: may see it, may not change it
        raise OutOfScope(Carrier._meta.label_lower)

    def require_tenant(self, tenant_id: int) -> None:
        if not self.acts_for(tenant_id):
            raise OutOfScope(Tenant._meta.label_lower)


def _role(user: AbstractBaseUser | AnonymousUser, groups: set[str], manages: bool) -> Role:
    if not user.is_authenticated or not user.is_active:
        return Role.NONE
    if user.is_superuser:
        return Role.ADMIN
    if LEADERSHIP_GROUP in groups:
        return Role.LEADERSHIP
    if manages or MANAGER_GROUP in groups:
        return Role.MANAGER
    return Role.TENANT


def scope_for(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """Work out a user's scope: three small queries, once per request."""
    if not user.is_authenticated:
        return Scope(user, Role.NONE, frozenset(), frozenset())
    groups = set(user.groups.values_list("name", flat=True))
    managed = frozenset(Carrier.objects.filter(managers=user).values_list("pk", flat=True))
    role = _role(user, groups, bool(managed))
    if role == Role.ADMIN:
        managed = frozenset(Carrier.objects.values_list("pk", flat=True))
    tenant_ids = frozenset(Tenant.objects.filter(users=user).values_list("pk", flat=True))
    return Scope(user, role, managed, tenant_ids)


def request_scope(request: HttpRequest) -> Scope:
    """The scope of the user making a request, memoised on the request."""
    scope = getattr(request, "_zaiti_scope", None)
    if scope is None:
        scope = scope_for(request.user)
        request._zaiti_scope = scope
    return scope


def staff_scope(request: HttpRequest) -> Scope:
    """The scope of a staff-side user (admin, leadership, manager); 404 for anyone else.

    The pages of the carriers' side (dashboard, reports, workspace, unit search)
    do not exist for a company's users: they are answered as a missing page.
    """
    scope = request_scope(request)
    if not scope.is_staff_side:
        raise Http404
    return scope


def get_in_scope(queryset: QuerySet[M], **lookup: object) -> M:
    """One object from a scoped queryset, or 404: out of scope looks like absent."""
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist as exc:
        # One more query, on misses only: is it absent, or someone else's?
        # The answer goes to the log (config/audit.py), never to the asker.
        try:
            exists = queryset.model._base_manager.filter(**lookup).exists()
        except (FieldError, ValueError, TypeError):
            exists = False  # a lookup on an annotation of the scoped queryset
        if exists:
            raise OutOfScope(queryset.model._meta.label_lower) from exc
        raise Http404 from exc

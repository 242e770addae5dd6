"""Demo logins, one per role of DESIGN.md §1, attached to real demo rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.password_validation import validate_password
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from carriers.demo.roster import NAMED
from carriers.models import Carrier
from leasing.models import Allocation, Tenant

GROUP_SPACE_MANAGER = "space_manager"
GROUP_LEADERSHIP = "leadership"
GROUP_TENANT = "tenant"
# The demo manager runs the first two carriers named in the report.
MANAGED_CODES = (NAMED[0].code, NAMED[1].code)


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    password: str  # only ever set, or shown, in demo mode
    group: str | None = None
    staff: bool = False
    superuser: bool = False


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", _("District admin"), "zaiti-admin-2026", staff=True, superuser=True),
    DemoUser("manager", _("Space manager"), "zaiti-manager-2026", GROUP_SPACE_MANAGER, True),
    DemoUser("leader", _("Leadership"), "zaiti-leader-2026", GROUP_LEADERSHIP),
    DemoUser("tenant1", _("Tenant"), "zaiti-tenant1-2026", GROUP_TENANT),
    DemoUser("tenant2", _("Tenant"), "zaiti-tenant2-2026", GROUP_TENANT),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    password: str | None  # None outside demo mode


def ensure_demo_users(*, demo_mode: bool, today: dt.date) -> list[DemoLogin]:
    """Create (or bring back in line) the demo users; never duplicates on a rerun."""
    logins = []
    for spec in DEMO_USERS:
        user = _user(spec, demo_mode=demo_mode)
        if spec.group:
            user.groups.add(Group.objects.get_or_create(name=spec.group)[0])
        logins.append(
            DemoLogin(
                spec.username,
                str(spec.role),
                _scope(user, spec, today),
                spec.password if demo_mode else None,
            )
        )
    return logins


def _user(spec: DemoUser, *, demo_mode: bool) -> AbstractBaseUser:
    user, created = get_user_model().objects.get_or_create(
        username=spec.username, defaults={"email": f"{spec.username}@example.com"}
    )
    user.is_staff = user.is_staff or spec.staff
    user.is_superuser = user.is_superuser or spec.superuser
    if demo_mode:
        # The printed table must be true, so a changed password is put back.
        if created or not user.check_password(spec.password):
            validate_password(spec.password, user)
            user.set_password(spec.password)
    elif created or user.check_password(spec.password):
        # Outside demo mode nobody may log in until an admin sets a password, and
        # a published demo password left from a demo run must stop working.
        user.set_unusable_password()
    user.save()
    return user


def _scope(user: AbstractBaseUser, spec: DemoUser, today: dt.date) -> str:
    if spec.superuser:
        return str(_("everything"))
    if spec.group == GROUP_SPACE_MANAGER:
        carriers = list(Carrier.objects.filter(code__in=MANAGED_CODES).order_by("code"))
        user.managed_carriers.add(*carriers)
        return "、".join(c.name for c in carriers)
    if spec.group == GROUP_TENANT:
        tenant = user.tenants.order_by("uscc").first() or _unclaimed_tenant(today)
        if tenant is None:
            return str(_("no tenant with a lease yet"))
        tenant.users.add(user)
        return tenant.name
    return str(_("every carrier, read-only"))


def _unclaimed_tenant(today: dt.date) -> Tenant | None:
    """A company with a current lease (in a managed carrier if possible) and no users yet."""
    current = Q(allocations__state=Allocation.State.ACTIVE, allocations__start__lte=today) & (
        Q(allocations__end__isnull=True) | Q(allocations__end__gt=today)
    )
    free = Tenant.objects.filter(current, users__isnull=True).distinct().order_by("uscc")
    preferred = free.filter(current & Q(allocations__unit__carrier__code=MANAGED_CODES[0]))
    return preferred.first() or free.first()

"""The overview page: every carrier in scope with its units by status today."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from carriers.models import Carrier
from carriers.status import UnitStatus
from reports.selectors import carrier_snapshots


def carriers_in_scope(user: AbstractBaseUser) -> list[Carrier]:
    """Carriers a user may see. Issue 3 grows this into the one access layer."""
    qs = Carrier.objects.all()
    if not (user.is_superuser or user.groups.filter(name="leadership").exists()):
        qs = qs.filter(managers=user)
    return list(qs.order_by("code"))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    snapshots = carrier_snapshots(carriers_in_scope(request.user), today)
    return render(
        request,
        "reports/overview.html",
        {"snapshots": snapshots, "today": today, "statuses": UnitStatus.choices},
    )

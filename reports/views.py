"""The overview page: every carrier in scope with its units by status today."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from carriers.status import UnitStatus
from leasing.access import request_scope
from reports.selectors import carrier_snapshots


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.is_staff_side:
        # Companies' users have no carriers to read: their home is the portal.
        return redirect("portal:home")
    today = timezone.localdate()
    snapshots = carrier_snapshots(list(scope.carriers().order_by("code")), today)
    return render(
        request,
        "reports/overview.html",
        {"snapshots": snapshots, "today": today, "statuses": UnitStatus.choices},
    )

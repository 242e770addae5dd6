"""The tenant portal (入驻企业): a company's own requests, offers, leases and handovers.

Every read starts from the access layer (`request_scope`) and is narrowed to
the companies the user acts for (`Scope.tenant_ids`), so a manager who also
belongs to a company sees only that company here, never their carriers' queue.
Out of scope is a 404, for POSTs too: the object is looked up before the method
is checked, so a 405 never confirms that someone else's offer exists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from carriers.models import CarrierCover, FloorPlan, Unit, UnitPhoto
from leasing import offers
from leasing.access import TENANT_GROUP, Scope, get_in_scope, request_scope
from leasing.models import Allocation, Event, SpaceRequest, Tenant
from leasing.portal.forms import (
    USCC_TAKEN,
    CompanyForm,
    DeclineForm,
    SignupForm,
    SpaceRequestForm,
)

# The company the user last chose, for people who act for several.
SESSION_TENANT = "portal_tenant_id"
LEASE_STATES = (Allocation.State.ACTIVE, Allocation.State.ENDED)
PAST_REQUESTS_SHOWN = 20
# One label per stored state: request statuses and allocation states share the
# event history and never share a value.
STATE_LABELS = {**dict(SpaceRequest.Status.choices), **dict(Allocation.State.choices)}
# Sign-ups are logged in straight away; naming the backend keeps that working
# when more backends (django-axes) are added to AUTHENTICATION_BACKENDS.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- scoped reads ---------------------------------------------------------------


def _own_requests(scope: Scope) -> QuerySet[SpaceRequest]:
    return scope.requests().filter(tenant_id__in=scope.tenant_ids)


def _own_allocations(scope: Scope) -> QuerySet[Allocation]:
    return scope.allocations().filter(tenant_id__in=scope.tenant_ids)


def _live_offers(scope: Scope, now: dt.datetime) -> QuerySet[Allocation]:
    """Unexpired holds, as leasing.offers.live_offer sees them, read through the scope."""
    return (
        _own_allocations(scope)
        .filter(state=Allocation.State.HELD, hold_expires_at__gt=now)
        .select_related("unit__carrier", "unit__floor__building")
        .order_by("hold_expires_at")
    )


def _current_tenant(request: HttpRequest, scope: Scope) -> Tenant | None:
    """The company the portal shows: ?company=<id>, else the last one chosen, else the first.

    An explicit choice outside the user's companies is a 404 like any other.
    """
    if not scope.tenant_ids:
        return None
    companies = scope.tenants().filter(pk__in=scope.tenant_ids)
    asked = request.GET.get("company")
    if asked is not None:
        if not asked.isdigit():
            raise Http404
        tenant = get_in_scope(companies, pk=int(asked))
        request.session[SESSION_TENANT] = tenant.pk
        return tenant
    remembered = request.session.get(SESSION_TENANT)
    if remembered in scope.tenant_ids:
        return companies.get(pk=remembered)
    return companies.order_by("name", "pk").first()


def _require_company(request: HttpRequest, scope: Scope) -> Tenant | HttpResponse:
    tenant = _current_tenant(request, scope)
    if tenant is not None:
        return tenant
    if scope.is_staff_side:
        raise Http404  # staff act for carriers; the portal has nothing of theirs
    return redirect("portal:company_register")


def _join(tenant: Tenant, user: AbstractBaseUser) -> None:
    tenant.users.add(user)
    user.groups.add(Group.objects.get_or_create(name=TENANT_GROUP)[0])


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has it."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


@dataclass(frozen=True)
class UnitPictures:
    photos: list[UnitPhoto]
    plan: FloorPlan | None
    cover: CarrierCover | None


def _unit_pictures(scope: Scope, unit: Unit, now: dt.datetime) -> UnitPictures:
    """A unit's photos, its floor's plan and its carrier's cover, as far as the scope shows them."""
    return UnitPictures(
        photos=list(scope.unit_photos(now).filter(unit=unit)),
        plan=scope.floor_plans(now).filter(floor_id=unit.floor_id).first(),
        cover=scope.carrier_covers(now).filter(carrier_id=unit.carrier_id).first(),
    )


# --- sign-up and company registration ---------------------------------------------


def register(request: HttpRequest) -> HttpResponse:
    """One form: the person's account and their company, saved together or not at all."""
    if request.user.is_authenticated:
        return redirect("portal:home")
    if request.method == "POST":
        user_form = SignupForm(request.POST)
        company_form = CompanyForm(request.POST)
        # Both validated, so every mistake is shown at once.
        valid = [user_form.is_valid(), company_form.is_valid()]
        if all(valid):
            try:
                with transaction.atomic():
                    user = user_form.save()
                    tenant = company_form.save()
                    _join(tenant, user)
            except IntegrityError:
                # Someone took the code (or the username) between the check and the
                # insert; the transaction saved nothing, so say which and let them retry.
                if Tenant.objects.filter(uscc=company_form.cleaned_data["uscc"]).exists():
                    company_form.add_error("uscc", USCC_TAKEN)
                else:
                    user_form.add_error("username", _("This username was just taken."))
            else:
                login(request, user, backend=LOGIN_BACKEND)
                request.session[SESSION_TENANT] = tenant.pk
                messages.success(
                    request, _("Welcome to Zaiti. %(company)s is registered.") % {"company": tenant}
                )
                return redirect("portal:home")
    else:
        user_form, company_form = SignupForm(), CompanyForm()
    return render(
        request,
        "leasing/portal/register.html",
        {"user_form": user_form, "company_form": company_form},
    )


@login_required
def company_register(request: HttpRequest) -> HttpResponse:
    """A signed-in user with no company yet registers theirs."""
    scope = request_scope(request)
    if scope.is_staff_side and not scope.tenant_ids:
        raise Http404
    if scope.tenant_ids:
        return redirect("portal:home")
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                tenant = form.save()
                _join(tenant, request.user)
        except IntegrityError:
            form.add_error("uscc", USCC_TAKEN)
        else:
            request.session[SESSION_TENANT] = tenant.pk
            messages.success(request, _("%(company)s is registered.") % {"company": tenant})
            return redirect("portal:home")
    return render(request, "leasing/portal/company_register.html", {"form": form})


# --- home ---------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    tenant = _require_company(request, scope)
    if isinstance(tenant, HttpResponse):
        return tenant
    now = timezone.now()
    requests = _own_requests(scope).filter(tenant=tenant)
    open_requests = list(
        requests.filter(status__in=SpaceRequest.OPEN_STATUSES)
        .prefetch_related(
            Prefetch("allocations", queryset=_live_offers(scope, now), to_attr="live_offers")
        )
        .order_by("-submitted_at", "-pk")
    )
    for space_request in open_requests:
        space_request.offer = next(iter(space_request.live_offers), None)
        space_request.age_days = (now - space_request.submitted_at).days
    past_requests = list(
        requests.exclude(status__in=SpaceRequest.OPEN_STATUSES).order_by("-submitted_at", "-pk")[
            :PAST_REQUESTS_SHOWN
        ]
    )
    leases = list(
        _own_allocations(scope)
        .filter(tenant=tenant, state__in=LEASE_STATES)
        .select_related("unit__carrier", "unit__floor__building")
        # "active" sorts before "ended": current leases first, newest first.
        .order_by("state", "-start", "-pk")
    )
    companies = (
        list(scope.tenants().filter(pk__in=scope.tenant_ids).order_by("name", "pk"))
        if len(scope.tenant_ids) > 1
        else []
    )
    return render(
        request,
        "leasing/portal/home.html",
        {
            "tenant": tenant,
            "companies": companies,
            "open_requests": open_requests,
            "past_requests": past_requests,
            "leases": leases,
            "today": timezone.localdate(now),
        },
    )


# --- requests -------------------------------------------------------------------------


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    tenant = _require_company(request, scope)
    if isinstance(tenant, HttpResponse):
        return tenant
    if request.method != "POST":
        # A fresh token per page load: the same page submitted twice carries the same one.
        form = SpaceRequestForm(initial={"token": uuid.uuid4()})
        return render(request, "leasing/portal/request_form.html", {"form": form, "tenant": tenant})
    form = SpaceRequestForm(request.POST)
    submitted = _submit(form, tenant=tenant, user=request.user)
    if submitted is None:
        return render(request, "leasing/portal/request_form.html", {"form": form, "tenant": tenant})
    space_request, created = submitted
    if created:
        messages.success(request, _("Your request is submitted."))
    else:
        messages.info(request, _("This request was already submitted; here it is."))
    return redirect("portal:request", pk=space_request.pk)


def _submit(
    form: SpaceRequestForm, *, tenant: Tenant, user: AbstractBaseUser
) -> tuple[SpaceRequest, bool] | None:
    """(request, created), or None with the reasons on the form."""
    if not form.is_valid():
        return None
    try:
        # request_submit answers a repeated token (even two submits racing on
        # PostgreSQL) with the request the first one made.
        return offers.request_submit(
            tenant=tenant,
            actor=user,
            client_token=form.cleaned_data["token"],
            preferred_carriers=list(form.cleaned_data["preferred_carriers"]),
            **form.service_fields(),
        )
    except ValidationError as exc:
        _add_service_errors(form, exc)
        return None


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    who: str
    subject: str
    from_label: str
    to_label: str
    note: str


def _history(events: list[Event], tenant_user_ids: set[int]) -> list[HistoryLine]:
    """The event log as a tenant reads it.

    Staff are shown as the carrier's operations team, not by name: the tenant
    deals with the carrier, and managers' names are theirs to give.
    """
    lines = []
    for event in events:
        if event.actor_id is None:
            who = _("Zaiti (automatic)")
        elif event.actor_id in tenant_user_ids:
            who = event.actor.get_full_name() or event.actor.get_username()
        else:
            who = _("Carrier operations")
        if event.allocation_id is None:
            subject = _("Request")
        else:
            subject = _("Unit %(unit)s") % {"unit": event.allocation.unit.code}
        lines.append(
            HistoryLine(
                at=event.at,
                who=who,
                subject=subject,
                from_label=STATE_LABELS.get(event.from_state, event.from_state),
                to_label=STATE_LABELS.get(event.to_state, event.to_state),
                note=event.note,
            )
        )
    return lines


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    space_request = get_in_scope(
        _own_requests(scope).select_related("tenant", "submitted_by"), pk=pk
    )
    now = timezone.now()
    offer = _live_offers(scope, now).filter(request=space_request).first()
    events = list(
        space_request.events.select_related("actor", "allocation__unit").order_by("at", "pk")
    )
    tenant_user_ids = set(space_request.tenant.users.values_list("pk", flat=True))
    lease = (
        _own_allocations(scope)
        .filter(request=space_request, state__in=LEASE_STATES)
        .order_by("-start")
        .first()
        if space_request.status == SpaceRequest.Status.ACCEPTED
        else None
    )
    return render(
        request,
        "leasing/portal/request_detail.html",
        {
            "pictures": _unit_pictures(scope, offer.unit, now) if offer else None,
            "req": space_request,
            "preferred": list(space_request.preferred_carriers.order_by("name")),
            "offer": offer,
            "lease": lease,
            "history": _history(events, tenant_user_ids),
            "decline_form": DeclineForm(),
            "is_open": space_request.status in SpaceRequest.OPEN_STATUSES,
            # Offered, but the hold lapsed before anyone released it.
            "offer_lapsed": space_request.status == SpaceRequest.Status.OFFERED and offer is None,
        },
    )


@login_required
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation (no script needed); POST withdraws."""
    scope = request_scope(request)
    space_request = get_in_scope(_own_requests(scope), pk=pk)
    if request.method != "POST":
        return render(request, "leasing/portal/request_withdraw.html", {"req": space_request})
    try:
        offers.request_withdraw(request=space_request, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("portal:request", pk=space_request.pk)


# --- offers ----------------------------------------------------------------------------


def _offer_in_scope(request: HttpRequest, pk: int) -> Allocation:
    # Any state: an expired or withdrawn offer is still found, so the service
    # can say why it can no longer be answered.
    offers_in_scope = _own_allocations(request_scope(request)).filter(request__isnull=False)
    return get_in_scope(offers_in_scope, pk=pk)


@login_required
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_in_scope(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        lease = offers.offer_accept(offer=offer, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("You accepted the offer. Lease #%(lease)s of unit %(unit)s runs %(period)s.")
            % {"lease": lease.pk, "unit": lease.unit.code, "period": lease.period_label},
        )
        return redirect("portal:lease", pk=lease.pk)
    return redirect("portal:request", pk=offer.request_id)


@login_required
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _offer_in_scope(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("portal:request", pk=offer.request_id)
    try:
        offers.offer_decline(offer=offer, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request, _("You declined the offer. Your request is back in the carriers' queue.")
        )
    return redirect("portal:request", pk=offer.request_id)


# --- leases ------------------------------------------------------------------------------


@login_required
def lease_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    lease = get_in_scope(
        _own_allocations(scope)
        .filter(state__in=LEASE_STATES)
        .select_related("unit__carrier", "unit__floor__building", "tenant"),
        pk=pk,
    )
    handovers = list(scope.handovers().filter(allocation=lease).order_by("kind"))
    return render(
        request,
        "leasing/portal/lease_detail.html",
        {
            # Pictures of the unit while the lease is live (carriers/media_views.py).
            "pictures": _unit_pictures(scope, lease.unit, timezone.now())
            if lease.state == Allocation.State.ACTIVE
            else None,
            "lease": lease,
            "handovers": handovers,
            "monthly_rent": lease.contracted_rent * lease.unit.gross_area,
            "today": timezone.localdate(),
        },
    )

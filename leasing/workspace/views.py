"""The space manager's workspace: queue, requests, offers, leases, units, tenants, vacancy.

Every view starts from the one access layer (leasing.access). Reads go through
the scope's querysets, so anything out of scope is a 404; changes go through
`scope.require_manager(carrier)`, so another carrier's space is a 404 and
leadership, who may read it all, gets a 403. The workflows are the services of
leasing.offers and leasing.leases; a refusal from them is shown on the form
that asked, with everything the user typed, and nothing is saved.

The workspace is for the carriers' side only: a company's own users get a 404
here and work in the tenant portal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carriers.models import Carrier
from leasing import leases, offers
from leasing.access import Role, Scope, get_in_scope, staff_scope
from leasing.matching import Candidate, rank_candidates, request_term
from leasing.models import Allocation, Event, Handover, SpaceRequest
from leasing.terms import add_months
from leasing.workspace import selectors
from leasing.workspace.filters import RequestQueueFilter
from leasing.workspace.forms import (
    BoardDateForm,
    CloseRequestForm,
    HandoverForm,
    OfferForm,
    RenewForm,
    TerminateForm,
    WithdrawOfferForm,
    add_service_error,
    furniture_lines,
)
from leasing.workspace.media_forms import UnitPhotoEditForm, UnitPhotoForm

QUEUE_PAGE_SIZE = 50
CANDIDATE_LIMIT = 20
TEMPLATES = "leasing/workspace/"


# --- access ---------------------------------------------------------------------------


def _can_change(scope: Scope) -> bool:
    """Whether the user manages any carrier at all (the admin manages every one)."""
    return scope.role == Role.ADMIN or (
        scope.role == Role.MANAGER and bool(scope.managed_carrier_ids)
    )


def _require_can_change(scope: Scope) -> None:
    """For changes to a request, which belongs to no one carrier: refuse a user who
    manages none, as require_manager() would (leadership 403, anyone else 404)."""
    if _can_change(scope):
        return
    if scope.reads_everything:
        raise PermissionDenied
    raise Http404


def _offer_carriers(scope: Scope) -> QuerySet[Carrier]:
    """The carriers a user may offer units of: the ones they manage."""
    return Carrier.objects.filter(pk__in=scope.managed_carrier_ids).order_by("code")


# --- the request queue ----------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    scope = staff_scope(request)
    now = timezone.now()
    filterset = RequestQueueFilter(
        request.GET or None, queryset=selectors.queue_requests(scope, now=now), request=request
    )
    page = Paginator(filterset.qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page)
    for row in rows:
        row.age_days = selectors.age_in_days(row.submitted_at, now)
    # Page links keep the filters.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        TEMPLATES + "queue.html",
        {
            "filter": filterset,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "carriers": scope.carriers().order_by("code"),
            "read_only": not _can_change(scope),
        },
    )


# --- one request ----------------------------------------------------------------------


def _request_in_scope(scope: Scope, request_id: int) -> SpaceRequest:
    return get_in_scope(scope.requests().select_related("tenant", "submitted_by"), pk=request_id)


def _candidates(scope: Scope, space_request: SpaceRequest, now: dt.datetime) -> list[Candidate]:
    if space_request.status not in SpaceRequest.OPEN_STATUSES:
        return []
    return rank_candidates(
        space_request, selectors.candidate_pool(scope), limit=CANDIDATE_LIMIT, now=now
    )


def _blank_offer_form(
    request: HttpRequest,
    scope: Scope,
    space_request: SpaceRequest,
    preferred_carriers: list[Carrier],
    now: dt.datetime,
) -> OfferForm:
    # The move-in date is the default start, unless it has passed while the
    # request waited: the service refuses a start in the past.
    start = max(space_request.move_in_on, timezone.localdate(now))
    initial: dict[str, Any] = {
        "start": start,
        "end": add_months(start, space_request.term_months),
        "hold_expires_at": now + dt.timedelta(days=offers.HOLD_DAYS),
        "rent_free_months": 0,
        "deposit": Decimal("0"),
    }
    carriers = _offer_carriers(scope)
    # Preselect the first carrier the company asked for among the user's own.
    preferred = [c for c in preferred_carriers if c.pk in scope.managed_carrier_ids]
    if preferred:
        initial["carrier"] = preferred[0].code
    # A candidate's Offer button is a link with the unit in its query string.
    carrier_code, unit_code = request.GET.get("carrier", ""), request.GET.get("unit", "")
    if carrier_code and unit_code:
        unit = (
            selectors.candidate_pool(scope)
            .filter(carrier__code=carrier_code, code=unit_code)
            .only("list_rent")
            .first()
        )
        if unit is not None:
            initial.update(carrier=carrier_code, unit=unit_code, contracted_rent=unit.list_rent)
    return OfferForm(initial=initial, carriers=carriers, term_months=space_request.term_months)


def _render_request(
    request: HttpRequest,
    scope: Scope,
    space_request: SpaceRequest,
    *,
    offer_form: OfferForm | None = None,
    close_form: CloseRequestForm | None = None,
) -> HttpResponse:
    now = timezone.now()
    is_open = space_request.status in SpaceRequest.OPEN_STATUSES
    # Any carrier's open offer stops a new one; another carrier's is shown only
    # by its expiry, never its unit or terms (they are that carrier's business).
    live = offers.live_offer(space_request, now)
    shown_offer = live if live is not None and _sees_allocation(scope, live) else None
    can_change = _can_change(scope)
    can_offer = can_change and is_open and live is None
    preferred = list(space_request.preferred_carriers.order_by("code"))
    if can_offer and offer_form is None:
        offer_form = _blank_offer_form(request, scope, space_request, preferred, now)
    can_close = can_change and space_request.status == SpaceRequest.Status.SUBMITTED
    if can_close and close_form is None:
        close_form = CloseRequestForm()
    start, end = request_term(space_request)
    return render(
        request,
        TEMPLATES + "request_detail.html",
        {
            "sr": space_request,
            "age_days": selectors.age_in_days(space_request.submitted_at, now),
            "term_start": start,
            "term_last_day": end - dt.timedelta(days=1),
            "preferred": preferred,
            "live_offer": shown_offer,
            "offer_elsewhere_until": live.hold_expires_at if live and not shown_offer else None,
            "can_withdraw": live is not None and scope.manages(live.unit.carrier_id),
            "allocations": scope.allocations()
            .filter(request=space_request)
            .select_related("unit__carrier")
            .order_by("created_at", "pk"),
            "events": selectors.event_rows(selectors.request_events(scope, space_request)),
            "candidates": _candidates(scope, space_request, now),
            "can_offer": can_offer,
            # A refused form is shown even when no offer can be made any more
            # (the request was answered or offered meanwhile): it says why.
            "offer_form": offer_form if can_offer or _refused(offer_form) else None,
            "close_form": close_form if can_close or _refused(close_form) else None,
            "read_only": not can_change,
        },
    )


def _sees_allocation(scope: Scope, allocation: Allocation) -> bool:
    """Whether scope.allocations() holds this one, without asking the database."""
    return scope.reads_everything or scope.manages(allocation.unit.carrier_id)


def _refused(form: OfferForm | CloseRequestForm | None) -> bool:
    return form is not None and form.is_bound


@login_required
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    scope = staff_scope(request)
    return _render_request(request, scope, _request_in_scope(scope, request_id))


@login_required
@require_POST
def request_offer(request: HttpRequest, request_id: int) -> HttpResponse:
    scope = staff_scope(request)
    space_request = _request_in_scope(scope, request_id)
    _require_can_change(scope)
    form = OfferForm(
        request.POST, carriers=_offer_carriers(scope), term_months=space_request.term_months
    )
    if form.is_valid():
        kwargs = form.service_kwargs()
        # The form only resolves units of carriers the user manages; this is
        # the access layer's own word on it, as for every change.
        scope.require_manager(kwargs["unit"].carrier_id)
        try:
            hold = offers.offer_make(request=space_request, actor=request.user, **kwargs)
        except ValidationError as exc:  # AllocationConflict names the lease in the way
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Unit %(unit)s is held for %(tenant)s until %(expires)s.")
                % {
                    "unit": hold.unit.code,
                    "tenant": space_request.tenant.name,
                    "expires": timezone.localtime(hold.hold_expires_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            return redirect("workspace:request", request_id=space_request.pk)
    return _render_request(request, scope, space_request, offer_form=form)


@login_required
@require_POST
def request_close(request: HttpRequest, request_id: int) -> HttpResponse:
    scope = staff_scope(request)
    space_request = _request_in_scope(scope, request_id)
    _require_can_change(scope)
    form = CloseRequestForm(request.POST)
    if form.is_valid():
        try:
            offers.request_close(
                request=space_request, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Request #%(id)s is closed.") % {"id": space_request.pk})
            return redirect("workspace:request", request_id=space_request.pk)
    return _render_request(request, scope, space_request, close_form=form)


def _candidate_json(candidate: Candidate) -> dict[str, Any]:
    unit = candidate.unit
    return {
        "unit_id": unit.pk,
        "carrier_code": unit.carrier.code,
        "unit_code": unit.code,
        "gross_area": str(unit.gross_area),
        "kind": unit.kind,
        "kind_label": str(unit.get_kind_display()),
        "list_rent": str(unit.list_rent),
        "turnkey": unit.turnkey,
        "score": candidate.score,
        "reasons": candidate.reasons,
    }


@login_required
@require_GET
def request_candidates(request: HttpRequest, request_id: int) -> JsonResponse:
    scope = staff_scope(request)
    space_request = _request_in_scope(scope, request_id)
    start, end = request_term(space_request)
    candidates = _candidates(scope, space_request, timezone.now())
    return JsonResponse(
        {
            "request": space_request.pk,
            "status": space_request.status,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "candidates": [_candidate_json(c) for c in candidates],
        },
        json_dumps_params={"ensure_ascii": False},
    )


# --- offers ---------------------------------------------------------------------------


@login_required
@require_POST
def offer_withdraw(request: HttpRequest, offer_id: int) -> HttpResponse:
    scope = staff_scope(request)
    offer = get_in_scope(scope.allocations().select_related("unit"), pk=offer_id)
    scope.require_manager(offer.unit.carrier_id)
    form = WithdrawOfferForm(request.POST)
    if not form.is_valid():
        # Only a reason over the length limit gets here (the browser enforces
        # it too): refuse rather than withdraw without the reason.
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back_to_offer(offer)
    try:
        offers.offer_withdraw(offer=offer, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:  # expired or answered meanwhile: say so, change nothing
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The offer of unit %(unit)s is withdrawn.") % {"unit": offer.unit.code}
        )
    return _back_to_offer(offer)


def _back_to_offer(offer: Allocation) -> HttpResponse:
    if offer.request_id:
        return redirect("workspace:request", request_id=offer.request_id)
    return redirect("workspace:lease", lease_id=offer.pk)


# --- leases ---------------------------------------------------------------------------


def _lease_in_scope(scope: Scope, lease_id: int) -> Allocation:
    return get_in_scope(
        scope.allocations().select_related(
            "unit__carrier", "unit__floor__building", "tenant", "request", "created_by"
        ),
        pk=lease_id,
    )


def _handover_initial(lease: Allocation, kind: str, recorded: dict[str, Handover]) -> dict:
    initial: dict[str, Any] = {"on": timezone.localdate()}
    moved_in = recorded.get(Handover.Kind.MOVE_IN)
    if kind == Handover.Kind.MOVE_OUT and moved_in is not None:
        # Moving out checks back what was handed over on moving in.
        initial.update(
            keys=moved_in.keys, access_cards=moved_in.access_cards, furniture=moved_in.furniture
        )
    elif lease.unit.turnkey:
        initial["furniture"] = furniture_lines(lease.unit.turnkey_package)
    return initial


def _render_lease(
    request: HttpRequest, scope: Scope, lease: Allocation, **bound: Any
) -> HttpResponse:
    """The lease page; `bound` holds a refused form to show again as typed."""
    recorded = {h.kind: h for h in lease.handovers.select_related("recorded_by")}
    can_change = scope.manages(lease.unit.carrier_id)
    active = lease.state == Allocation.State.ACTIVE
    # A refused form (in `bound`) is always shown, even if the lease changed
    # meanwhile so that no new one would be offered: it carries the reason.
    writable = can_change and lease.state in (Allocation.State.ACTIVE, Allocation.State.ENDED)
    handover_forms = []
    for kind, label in Handover.Kind.choices:
        form = bound.get(kind)
        if form is None and writable and kind not in recorded:
            form = HandoverForm(prefix=kind, initial=_handover_initial(lease, kind, recorded))
        if form is not None:
            # Shown open: a refused form, and the next checklist due (moving
            # in first); the other stays folded away.
            next_due = kind == Handover.Kind.MOVE_IN or Handover.Kind.MOVE_IN in recorded
            handover_forms.append((kind, label, form, form.is_bound or next_due))
    renew_form = bound.get("renew")
    if renew_form is None and can_change and active and lease.end is not None:
        renew_form = RenewForm(prefix="renew", initial={"new_end": add_months(lease.end, 12)})
    terminate_form = bound.get("terminate")
    if terminate_form is None and can_change and active:
        terminate_form = TerminateForm(prefix="terminate")
    return render(
        request,
        TEMPLATES + "lease_detail.html",
        {
            "lease": lease,
            "unit": lease.unit,
            "handovers": [recorded[k] for k in Handover.Kind.values if k in recorded],
            "events": selectors.event_rows(lease.events.all()),
            "handover_forms": handover_forms,
            "renew_form": renew_form,
            "terminate_form": terminate_form,
            "can_withdraw": can_change
            and lease.state == Allocation.State.HELD
            and lease.hold_expires_at > timezone.now(),
            "read_only": not can_change,
        },
    )


@login_required
@require_GET
def lease_detail(request: HttpRequest, lease_id: int) -> HttpResponse:
    scope = staff_scope(request)
    return _render_lease(request, scope, _lease_in_scope(scope, lease_id))


@login_required
@require_POST
def lease_handover(request: HttpRequest, lease_id: int, kind: str) -> HttpResponse:
    if kind not in Handover.Kind.values:
        raise Http404
    scope = staff_scope(request)
    lease = _lease_in_scope(scope, lease_id)
    scope.require_manager(lease.unit.carrier_id)
    form = HandoverForm(request.POST, prefix=kind)
    if form.is_valid():
        try:
            leases.handover_record(lease=lease, kind=kind, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:  # e.g. this handover was already recorded
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("The %(kind)s handover is recorded.") % {"kind": Handover.Kind(kind).label},
            )
            return redirect("workspace:lease", lease_id=lease.pk)
    return _render_lease(request, scope, lease, **{kind: form})


@login_required
@require_POST
def lease_renew(request: HttpRequest, lease_id: int) -> HttpResponse:
    scope = staff_scope(request)
    lease = _lease_in_scope(scope, lease_id)
    scope.require_manager(lease.unit.carrier_id)
    form = RenewForm(request.POST, prefix="renew")
    if form.is_valid():
        try:
            renewal = leases.lease_renew(
                lease=lease,
                new_end=form.cleaned_data["new_end"],
                contracted_rent=form.cleaned_data["contracted_rent"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:  # too short, or the unit is promised from the end
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Renewed: lease #%(id)s continues from %(start)s.")
                % {"id": renewal.pk, "start": renewal.start.isoformat()},
            )
            return redirect("workspace:lease", lease_id=renewal.pk)
    return _render_lease(request, scope, lease, renew=form)


@login_required
@require_POST
def lease_terminate(request: HttpRequest, lease_id: int) -> HttpResponse:
    scope = staff_scope(request)
    lease = _lease_in_scope(scope, lease_id)
    scope.require_manager(lease.unit.carrier_id)
    form = TerminateForm(request.POST, prefix="terminate")
    if form.is_valid():
        try:
            ended = leases.lease_terminate(
                lease=lease,
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Lease #%(id)s now ends early; the unit is free from %(on)s.")
                % {"id": ended.pk, "on": ended.end.isoformat()},
            )
            return redirect("workspace:lease", lease_id=lease.pk)
    return _render_lease(request, scope, lease, terminate=form)


# --- units and tenants ----------------------------------------------------------------


@login_required
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    scope = staff_scope(request)
    return render_unit(request, scope, unit_id)


def render_unit(
    request: HttpRequest,
    scope: Scope,
    unit_id: int,
    *,
    photo_form: UnitPhotoForm | None = None,
    refused_edit: tuple[int, UnitPhotoEditForm] | None = None,
) -> HttpResponse:
    """The unit page; `photo_form` is a refused upload, `refused_edit` a refused change
    of one photo's caption or place (its id and form), to show again with the error."""
    today = timezone.localdate()
    unit = get_in_scope(
        scope.units().with_status(today).select_related("carrier", "floor__building"), pk=unit_id
    )
    selectors.label_status(unit)
    can_change = scope.manages(unit.carrier_id)
    if photo_form is None and can_change:
        photo_form = UnitPhotoForm()
    photos = list(scope.unit_photos().filter(unit=unit))
    edits: dict[int, UnitPhotoEditForm] = dict([refused_edit]) if refused_edit else {}
    if can_change:
        for photo in photos:
            if photo.pk not in edits:
                initial = {"caption": photo.caption, "position": photo.position}
                edits[photo.pk] = UnitPhotoEditForm(initial=initial, photo_id=photo.pk)
    return render(
        request,
        TEMPLATES + "unit_detail.html",
        {
            "unit": unit,
            "today": today,
            "allocations": unit.allocations.select_related("tenant").order_by("start", "pk"),
            "events": selectors.event_rows(Event.objects.filter(unit=unit)),
            "photos": [(photo, edits.get(photo.pk)) for photo in photos],
            "photo_form": photo_form,
            "can_change": can_change,
        },
    )


@login_required
@require_GET
def tenant_detail(request: HttpRequest, tenant_id: int) -> HttpResponse:
    scope = staff_scope(request)
    tenant = get_in_scope(scope.tenants(), pk=tenant_id)
    return render(
        request,
        TEMPLATES + "tenant_detail.html",
        {
            "tenant": tenant,
            "qualifications": tenant.qualifications.order_by("valid_from"),
            "allocations": scope.allocations()
            .filter(tenant=tenant)
            .select_related("unit__carrier")
            .order_by("-start", "-pk"),
            "requests": scope.requests().filter(tenant=tenant).order_by("-submitted_at", "-pk"),
            "events": selectors.event_rows(selectors.tenant_events(scope, tenant.pk)),
            "partial": not scope.reads_everything,
        },
    )


# --- the vacancy board ----------------------------------------------------------------


@login_required
@require_GET
def vacancy(request: HttpRequest, code: str) -> HttpResponse:
    scope = staff_scope(request)
    carrier = get_in_scope(scope.carriers(), code=code)
    today = timezone.localdate()
    form = BoardDateForm(request.GET or None, initial={"on": today})
    board = selectors.vacancy_board(carrier, form.day(today))
    return render(
        request,
        TEMPLATES + "vacancy.html",
        {
            "board": board,
            "form": form,
            "today": today,
            "carriers": scope.carriers().order_by("code"),
        },
    )

"""Workspace pages for pictures: a floor's plan, a carrier's cover, a unit's photos.

Managers of the carrier (and the district admin) upload and delete; leadership
may open the plan and cover pages to look (no form) and is refused any change
with a 403; anyone else gets a 404, as everywhere in the workspace. The cover
is changed from its own small page, linked from the carrier's vacancy board,
which shows it; unit photos are managed on the unit page. What makes a file
acceptable is carriers.images' decision: a refusal is shown on the form (in
its "errorlist") and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from carriers.images import (
    MAX_UPLOAD_BYTES,
    delete_unit_photo,
    store_carrier_cover,
    store_floor_plan,
    store_unit_photo,
    too_large,
    update_unit_photo,
)
from carriers.models import CarrierCover, FloorPlan, UnitPhoto
from leasing.access import Scope, get_in_scope, staff_scope
from leasing.workspace.media_forms import ImageUploadForm, UnitPhotoEditForm, UnitPhotoForm
from leasing.workspace.views import TEMPLATES, render_unit


class UploadCap(FileUploadHandler):
    """Skips a file as soon as it passes the size limit, so that an upload of
    gigabytes is never written to disk; the view then says it was too large."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def capped_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Put UploadCap in front of the upload handlers. They must be in place before
    the body is read, and the CSRF check reads it: so the check is made here, after."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_too_large = False
        request.upload_handlers.insert(0, UploadCap(request))
        return csrf_protect(view)(request, *args, **kwargs)

    return wrapper


def _bound(request: HttpRequest, form_class: type[ImageUploadForm | UnitPhotoForm]) -> Any:
    form = form_class(request.POST, request.FILES)
    if request.upload_too_large:
        form.full_clean()
        form.errors.pop("image", None)  # not "choose a file": it was chosen, and too big
        form.add_error("image", too_large())
    return form


@capped_uploads
@login_required
@require_http_methods(["GET", "POST"])
def floor_plan(request: HttpRequest, floor_id: int) -> HttpResponse:
    scope = staff_scope(request)
    floor = get_in_scope(scope.floors().select_related("building__carrier"), pk=floor_id)
    carrier_id = floor.building.carrier_id
    form = None
    if request.method == "POST":
        scope.require_manager(carrier_id)
        form = _bound(request, ImageUploadForm)
        if form.is_valid():
            try:
                store_floor_plan(floor=floor, upload=form.cleaned_data["image"], user=request.user)
            except ValidationError as exc:
                form.add_error("image", exc)
            else:
                messages.success(
                    request, _("The floor plan of %(floor)s is saved.") % {"floor": floor.label}
                )
                return redirect("workspace:floor_map", floor_id=floor.pk)
    elif scope.manages(carrier_id):
        form = ImageUploadForm()
    return render(
        request,
        TEMPLATES + "floor_plan.html",
        {
            "floor": floor,
            "carrier": floor.building.carrier,
            "plan": FloorPlan.objects.filter(floor=floor).first(),
            "form": form,
            "read_only": not scope.manages(carrier_id),
        },
    )


@capped_uploads
@login_required
@require_http_methods(["GET", "POST"])
def carrier_cover(request: HttpRequest, code: str) -> HttpResponse:
    scope = staff_scope(request)
    carrier = get_in_scope(scope.carriers(), code=code)
    form = None
    if request.method == "POST":
        scope.require_manager(carrier.pk)
        form = _bound(request, ImageUploadForm)
        if form.is_valid():
            try:
                store_carrier_cover(
                    carrier=carrier, upload=form.cleaned_data["image"], user=request.user
                )
            except ValidationError as exc:
                form.add_error("image", exc)
            else:
                messages.success(request, _("The cover photo is saved."))
                return redirect("workspace:vacancy", code=carrier.code)
    elif scope.manages(carrier.pk):
        form = ImageUploadForm()
    return render(
        request,
        TEMPLATES + "carrier_cover.html",
        {
            "carrier": carrier,
            "cover": CarrierCover.objects.filter(carrier=carrier).first(),
            "form": form,
            "read_only": not scope.manages(carrier.pk),
        },
    )


@capped_uploads
@login_required
@require_POST
def unit_photo_add(request: HttpRequest, unit_id: int) -> HttpResponse:
    scope = staff_scope(request)
    unit = get_in_scope(scope.units(), pk=unit_id)
    scope.require_manager(unit.carrier_id)
    form = _bound(request, UnitPhotoForm)
    if form.is_valid():
        try:
            store_unit_photo(
                unit=unit,
                upload=form.cleaned_data["image"],
                user=request.user,
                caption=form.cleaned_data["caption"],
                position=form.cleaned_data["position"],
            )
        except ValidationError as exc:
            form.add_error("image", exc)
        else:
            messages.success(request, _("The photo is added."))
            return redirect("workspace:unit", unit_id=unit.pk)
    return render_unit(request, scope, unit.pk, photo_form=form)


def _managed_photo(request: HttpRequest, photo_id: int) -> tuple[Scope, UnitPhoto]:
    """The photo, if the user may see it (else 404) and manages its carrier (else 403)."""
    scope = staff_scope(request)
    photo = get_in_scope(scope.unit_photos().select_related("unit"), pk=photo_id)
    scope.require_manager(photo.unit.carrier_id)
    return scope, photo


@login_required
@require_POST
def unit_photo_edit(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Change a photo's caption and place; a refusal shows on that photo's form."""
    scope, photo = _managed_photo(request, photo_id)
    form = UnitPhotoEditForm(request.POST, photo_id=photo.pk)
    if form.is_valid():
        try:
            update_unit_photo(
                photo=photo,
                caption=form.cleaned_data["caption"],
                position=form.cleaned_data["position"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The photo's caption and position are saved."))
            return redirect(reverse("workspace:unit", args=[photo.unit_id]) + "#photos")
    return render_unit(request, scope, photo.unit_id, refused_edit=(photo.pk, form))


@login_required
@require_POST
def unit_photo_delete(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = _managed_photo(request, photo_id)[1]  # not "_, photo": _ is gettext here
    delete_unit_photo(photo=photo)
    messages.success(request, _("The photo is deleted."))
    return redirect("workspace:unit", unit_id=photo.unit_id)

"""Upload forms of the workspace: a floor plan, a carrier's cover, a unit's photos.

The forms only carry the file: whether it is an acceptable picture is decided
by carriers.images (its content, size and dimensions), whose ValidationError
the views put back on the `image` field.
"""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from carriers.images import MAX_CAPTION, MAX_UPLOAD_BYTES

ACCEPT = "image/jpeg,image/png,image/webp"


def _limits() -> str:
    return gettext("JPEG, PNG or WebP, at most %(mb)s MB and 40 megapixels.") % {
        "mb": MAX_UPLOAD_BYTES // 1024 // 1024
    }


def _image_field() -> forms.FileField:
    return forms.FileField(
        label=_("Image"),
        # Lazy: `%` on a lazy string translates it at once, at import, in whatever
        # language is active then; this help text must follow each request's language.
        help_text=lazy(_limits, str)(),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": _("Choose an image file to upload.")},
    )


class ImageUploadForm(forms.Form):
    image = _image_field()


def _caption_field() -> forms.CharField:
    return forms.CharField(
        label=_("Caption"),
        max_length=MAX_CAPTION,
        required=False,
        help_text=_("What the photo shows, e.g. the meeting room."),
    )


class UnitPhotoForm(forms.Form):
    image = _image_field()
    caption = _caption_field()
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        required=False,
        help_text=_("Photos are shown in this order; empty puts it last."),
    )


class UnitPhotoEditForm(forms.Form):
    """A photo's caption and place, changed after upload (the file stays)."""

    caption = _caption_field()
    position = forms.IntegerField(
        label=_("Position"),
        min_value=0,
        max_value=32767,
        error_messages={"required": _("Give the photo a position: a number from 0.")},
    )

    def __init__(self, *args: object, photo_id: int, **kwargs: object) -> None:
        # One form per photo on the unit page: ids of their own, names as posted.
        super().__init__(*args, auto_id=f"photo{photo_id}-%s", **kwargs)  # type: ignore[arg-type]

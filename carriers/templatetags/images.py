"""{% load images %}: {{ photo|image_url:"small" }}, the scoped URL of a stored picture."""

from django import template

from carriers.models import StoredImage

register = template.Library()


@register.filter
def image_url(image: StoredImage | str | None, size: str = "full") -> str:
    # "" is what a template makes of a missing picture (a reverse one-to-one not there).
    return image.file_url(size) if isinstance(image, StoredImage) else ""

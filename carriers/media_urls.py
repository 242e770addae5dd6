"""Stored pictures, each behind a scope check (carriers/media_views.py), mounted at /files/."""

from django.urls import path, register_converter

from carriers import media_views


class ImageSize:
    regex = "full|large|small"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImageSize, "imagesize")

app_name = "files"
urlpatterns = [
    path("plans/<int:pk>/<imagesize:size>/", media_views.plan, name="plan"),
    path("photos/<int:pk>/<imagesize:size>/", media_views.photo, name="photo"),
    path("covers/<int:pk>/<imagesize:size>/", media_views.cover, name="cover"),
]

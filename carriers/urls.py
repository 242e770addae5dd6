"""The space inventory's staff pages, mounted at /units/."""

from django.urls import path

from carriers import views

app_name = "units"
urlpatterns = [
    path("", views.unit_search, name="search"),
]

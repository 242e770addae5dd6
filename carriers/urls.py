"""The space inventory's staff pages, mounted at /units/."""

from django.urls import path

from carriers import search_api, views

app_name = "units"
urlpatterns = [
    path("", views.unit_search, name="search"),
    path("search.json", search_api.unit_search_json, name="search_json"),
    path("count.json", search_api.unit_count_json, name="count_json"),
]

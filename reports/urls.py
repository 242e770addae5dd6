"""The dashboard's drill-down, the 租控表 and the occupancy API (mounted at /).

The district level is the site's home page, `overview`, in config/urls.py.
"""

from django.urls import path

from reports import api, views

app_name = "dashboard"
urlpatterns = [
    path("carriers/<slug:code>/", views.carrier, name="carrier"),
    path("carriers/<slug:code>/buildings/<int:building_id>/", views.building, name="building"),
    path("carriers/<slug:code>/floors/<int:floor_id>/", views.floor, name="floor"),
    path("carriers/<slug:code>/grid/", views.grid, name="grid"),
    path(
        "carriers/<slug:code>/buildings/<int:building_id>/grid/",
        views.grid_building,
        name="grid_building",
    ),
    path("api/v1/occupancy/", api.occupancy, name="api_occupancy"),
]

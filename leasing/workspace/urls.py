"""The space manager's workspace, mounted at /work/."""

from django.urls import path

from leasing.workspace import imports, map_editor, media, views

app_name = "workspace"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/offer/", views.request_offer, name="request_offer"),
    path("requests/<int:request_id>/close/", views.request_close, name="request_close"),
    path(
        "requests/<int:request_id>/candidates.json",
        views.request_candidates,
        name="request_candidates",
    ),
    path("offers/<int:offer_id>/withdraw/", views.offer_withdraw, name="offer_withdraw"),
    path("leases/<int:lease_id>/", views.lease_detail, name="lease"),
    path("leases/<int:lease_id>/handover/<str:kind>/", views.lease_handover, name="handover"),
    path("leases/<int:lease_id>/renew/", views.lease_renew, name="lease_renew"),
    path("leases/<int:lease_id>/terminate/", views.lease_terminate, name="lease_terminate"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("tenants/<int:tenant_id>/", views.tenant_detail, name="tenant"),
    path("carriers/<slug:code>/vacancy/", views.vacancy, name="vacancy"),
    path("carriers/<slug:code>/cover/", media.carrier_cover, name="carrier_cover"),
    path("floors/<int:floor_id>/plan/", media.floor_plan, name="floor_plan"),
    path("floors/<int:floor_id>/map/", map_editor.floor_map, name="floor_map"),
    path("units/<int:unit_id>/photos/", media.unit_photo_add, name="unit_photo_add"),
    path("photos/<int:photo_id>/edit/", media.unit_photo_edit, name="unit_photo_edit"),
    path("photos/<int:photo_id>/delete/", media.unit_photo_delete, name="unit_photo_delete"),
    path("import/", imports.import_upload, name="import"),
    path("import/template.xlsx", imports.import_template, name="import_template"),
    path("import/<str:token>/", imports.import_preview, name="import_preview"),
    path("import/<str:token>/apply/", imports.import_apply, name="import_apply"),
]

"""Report downloads and report jobs, mounted at /reports/."""

from django.urls import path

from reports import report_views as views

app_name = "reports"
urlpatterns = [
    path("", views.district, name="district"),
    path("build/", views.build, name="build"),
    path("jobs/<uuid:job_id>/", views.job, name="job"),
    path("jobs/<uuid:job_id>/status/", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="job_download"),
    path("carriers/<slug:code>/report.pdf", views.carrier_pdf, name="carrier_pdf"),
    path("carriers/<slug:code>/tables.xlsx", views.carrier_xlsx, name="carrier_xlsx"),
    path("carriers/<slug:code>/table.csv", views.carrier_csv, name="carrier_csv"),
]

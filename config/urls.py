"""Root URLs."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from reports import views as report_views

admin.site.site_header = admin.site.site_title = "Zaiti 载体"
# The admin is not scoped by carrier (leasing.access is): only the district
# admin may use it. Managers and leadership work in /work/ and the overview.
admin.site.has_permission = lambda request: bool(
    request.user.is_active and request.user.is_superuser
)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, plain
    error pages): send them to ours rather than answer 404."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon),
    path("", report_views.overview, name="overview"),
    path("", include("reports.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("reports/", include("reports.report_urls")),
    path("portal/", include("leasing.portal.urls")),
    path("work/", include("leasing.workspace.urls")),
    path("files/", include("carriers.media_urls")),
    path("units/", include("carriers.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

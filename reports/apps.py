from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # Cached dashboard figures go out of date with any change to what they read.
        from reports.cache import connect_signals

        connect_signals()

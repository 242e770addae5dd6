from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarriersConfig(AppConfig):
    name = "carriers"
    verbose_name = _("Space inventory")

    def ready(self) -> None:
        # Connects the handlers that delete an image's files with its row.
        from carriers import images  # noqa: F401

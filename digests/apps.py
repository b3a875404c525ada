from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigestsConfig(AppConfig):
    """E-mail digests (daily or weekly) and the immediate notifications by e-mail and on site."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "digests"
    verbose_name = _("Digests and notifications")

    def ready(self):
        from . import signals  # noqa: F401 - connects the recommendation status history

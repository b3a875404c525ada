from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    """Markup, diffs, the audit port, hooks, the privacy registry: below every app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks

        # Each app's privacy.py registers the export and erasure of its models.
        autodiscover_modules("privacy")

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    """Markup, diffs, the audit port, hooks, the privacy registry: below every app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from . import checks  # noqa: F401 - registers the system checks
        from .versioning import model_changed

        # A committed write to public content replaces the content version (ETags).
        for signal in (post_save, post_delete, m2m_changed):
            signal.connect(model_changed, dispatch_uid=f"core.versioning.{id(signal)}")

        # Each app's privacy.py registers the export and erasure of its models.
        autodiscover_modules("privacy")

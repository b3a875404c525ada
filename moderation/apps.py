from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Keeping the dialogue in order: pre-moderation, flags, the queue, appeals, the audit log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # The synopsis report (responses, below) counts the moderation through this source.
        from responses.synopsis import register_methodology

        from .methodology import methodology

        register_methodology(methodology)

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Keeping the dialogue in order: pre-moderation, flags, the queue, appeals, the audit log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Moderation"

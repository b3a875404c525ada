from django.apps import AppConfig


class ModerationConfig(AppConfig):
    """Keeping the dialogue in order: pre-moderation, flags, the queue, appeals, the audit log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        # The ports of the layers below: the audit log's writer (core.audit) and the
        # moderation policy's initial state of a contribution (consultation.ports); the
        # synopsis report (responses, below) counts the moderation through this source.
        from consultation import ports
        from core import audit, versioning
        from responses.synopsis import register_methodology

        from . import services
        from .methodology import methodology

        audit.audit_log_write.register(services.audit_log_write)
        ports.initial_state.register(services.initial_state)
        register_methodology(methodology)
        # Public content (core.versioning: the pages' ETags); the decisions themselves save the
        # contribution, which replaces its dialogue's version.
        versioning.register(self)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    """The dialogue around the recommendations: comments, positions, amendments, follows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "consultation"
    verbose_name = _("Dialogue")

    def ready(self):
        # Registered here, once the apps are loaded: recommendations (below) calls it through
        # its hook and never imports the dialogue.
        from recommendations import hooks as recommendation_hooks

        from . import hooks

        recommendation_hooks.register_wording_change(hooks.wording_changed)

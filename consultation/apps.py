from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    """The dialogue around the recommendations: comments, positions, amendments, follows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "consultation"
    verbose_name = _("Dialogue")

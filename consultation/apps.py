from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    """The dialogue around the recommendations: comments, positions, amendments, follows."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "consultation"
    verbose_name = "Dialogue"

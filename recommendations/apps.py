from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Consultations and recommendations"

    def ready(self):
        from core import versioning

        from .selectors import CATALOGUE

        # The catalogue (every consultation's pillars, challenges, recommendations, wordings):
        # rewritten rarely, by imports and rewordings; its pages' fragments are keyed by it.
        versioning.register(self, scopes=lambda row: [CATALOGUE])

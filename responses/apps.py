from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    """The organisers' answers: a response per recommendation, its follow-up, what became of
    each contribution, and the synopsis report of a closed consultation."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "responses"
    verbose_name = _("Responses")

    def ready(self):
        from core import versioning

        versioning.register(self)  # the responses shown on the recommendations' pages

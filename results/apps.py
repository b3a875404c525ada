from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "results"
    verbose_name = "Results and synthesis"

    def ready(self):
        from core import versioning

        versioning.register(self)  # public content (core.versioning: the pages' ETags)

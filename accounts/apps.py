from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from core import versioning

        from .models import StakeholderGroup, User
        from .selectors import PERSON_SHOWN_FIELDS

        # People as the dialogue's pages name them (core.versioning): a change of a name, an
        # organisation, a group, a declaration or an erasure reaches every page's fragments.
        people = [versioning.PEOPLE]
        versioning.register(self)
        versioning.register(StakeholderGroup, scopes=lambda row: people)
        versioning.register(User, scopes=lambda row: people, fields=PERSON_SHOWN_FIELDS)

"""The account itself (profile, preferences, consents, addresses, invitations) is exported
by accounts.selectors.user_data_export and erased by accounts.services.account_delete, which
call every other app's part through core.privacy.

The admin's history (django.contrib.admin's LogEntry) keeps each change's object as text as
it read then (a person's name, an invitation's address): deleting the account rewrites those
texts, naming "Former participant"; who changed what, and when, stays on the record."""

from django.contrib.admin.models import LogEntry

from core import privacy

from .models import PSEUDONYM


def _forget(user, words) -> None:
    privacy.rows_unname(LogEntry.objects.all(), ["object_repr", "change_message"], words, PSEUDONYM)


privacy.register(
    models=["accounts.User", "accounts.Invitation", "accounts.Consent"], forget=_forget
)

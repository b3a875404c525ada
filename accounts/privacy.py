"""The account itself (profile, preferences, consents, addresses, invitations) is exported
by accounts.selectors.user_data_export and erased by accounts.services.account_delete, which
call every other app's part through core.privacy.

The admin's history (django.contrib.admin's LogEntry) keeps each change's object as text as
it read then (a person's name, an invitation's address): deleting the account rewrites the
rows about the person's account, addresses and invitations to name "Former participant", and
takes their addresses out of any other row; who changed what, and when, stays on the
record."""

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from core import privacy

from .models import PSEUDONYM, Invitation, User
from .selectors import invitations_naming

TEXTS = ["object_repr", "change_message"]


def _forget(user, names, addresses) -> None:
    theirs = {
        User: [user.pk],
        EmailAddress: EmailAddress.objects.filter(user=user).values_list("pk", flat=True),
        Invitation: invitations_naming(user=user, addresses=addresses).values_list("pk", flat=True),
    }
    about = Q()
    for model, pks in theirs.items():
        content_type = ContentType.objects.get_for_model(model)
        about |= Q(content_type=content_type, object_id__in=[str(pk) for pk in pks])
    about_them = LogEntry.objects.filter(about)
    privacy.rows_unname(about_them, ["change_message"], [*names, *addresses], PSEUDONYM)
    about_them.update(object_repr=PSEUDONYM)
    privacy.rows_unname(LogEntry.objects.all(), TEXTS, addresses, PSEUDONYM)


privacy.register(
    models=["accounts.User", "accounts.Invitation", "accounts.Consent"], forget=_forget
)

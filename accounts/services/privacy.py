"""A person's privacy rights: ending their sessions, deleting their account."""

import secrets
from collections.abc import Sequence

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core import privacy

from ..hooks import stakeholder_group_changed
from ..models import User
from ..selectors import invitations_naming


def sessions_end(*, user: User, words: Sequence[str] = ()) -> int:
    """End every session of the person, wherever it was opened, and (`words`: their
    addresses) every session not signed in that holds one of them (a sign-in code asked for,
    a sign-up waiting for its confirmation); returns how many.

    Database-backed engines (db, cached_db) are searched; with other engines the sessions
    die anyway once the password has changed (the session's auth hash no longer matches).
    """
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    if not hasattr(store, "get_model_class"):
        return 0
    ended = 0
    model = store.get_model_class()
    for session in model.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user.pk) or privacy.names_any(str(data), words):
            store(session_key=session.session_key).delete()
            ended += 1
    return ended


@transaction.atomic
def account_delete(*, user: User) -> User:
    """Delete a person's account at their request.

    Their personal data goes; their published contributions (comments, amendments and, unless
    DELETED_ACCOUNTS_KEEP_POSITIONS is False, positions) stay, under "Former participant".
    """
    from allauth.mfa.models import Authenticator

    user = User.objects.select_for_update().get(pk=user.pk)
    before_group_id = user.stakeholder_group_id
    old_addresses = [
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    ]
    invitations = invitations_naming(user=user, addresses=old_addresses)
    names = [user.display_name, *invitations.values_list("name", flat=True)]
    addresses = [*old_addresses, *invitations.values_list("email", flat=True)]

    # What every other app holds about them (their privacy.py): follows, notifications,
    # API tokens, messages waiting for them, texts that copied their name... in this
    # transaction.
    privacy.erase(user, names=names, addresses=addresses)
    invitations.delete()
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if apps.is_installed("allauth.socialaccount"):
        from allauth.socialaccount.models import SocialAccount

        SocialAccount.objects.filter(user=user).delete()
    user.pillars_of_interest.clear()
    user.groups.clear()
    user.user_permissions.clear()

    now = timezone.now()
    user.email = f"deleted-{user.pk}-{secrets.token_hex(4)}@deleted.invalid"
    user.set_unusable_password()
    for name in ("display_name", "organisation", "job_title", "transparency_register_id"):
        setattr(user, name, "")
    user.interests = ""
    user.interests_declared_at = None
    user.stakeholder_group = None
    user.speaks_for_organisation = False
    user.affiliation_verified_at = None
    user.affiliation_verified_by = None
    user.digest_frequency = User.DigestFrequency.OFF
    user.notify_replies = user.notify_decisions = False
    user.notify_appeals = user.notify_wording_changes = False
    user.is_active = user.is_staff = user.is_superuser = False
    user.deleted_at = now
    user.save()
    if before_group_id is not None:
        stakeholder_group_changed(user=user, before_group_id=before_group_id)
    sessions_end(user=user, words=old_addresses)
    return user

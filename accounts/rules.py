"""Who may do what with accounts. The HTML views and the API ask these same rules.

Roles are Django groups (created by a data migration): stakeholders are every signed-in
person; moderators and consultation admins are members of their group (superusers are both).
"""

import rules
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import suspended_for_good

# The refusal of an action to a moderator or administrator without two-factor authentication:
# one wording for the pages (a message on the set-up page) and the API (a 403).
TWO_FACTOR_NEEDED = gettext_lazy(
    "Moderators and administrators must set up two-factor authentication before they act "
    "(Your account → Two-factor authentication)."
)

MODERATORS = "Moderators"
CONSULTATION_ADMINS = "Consultation admins"


@rules.predicate
def is_moderator(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.groups.filter(name__in=[MODERATORS, CONSULTATION_ADMINS]).exists()
    )


@rules.predicate
def is_consultation_admin(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or user.groups.filter(name=CONSULTATION_ADMINS).exists()
    )


has_role = is_moderator | is_consultation_admin


@rules.predicate
def has_two_factor(user) -> bool:
    return (
        user.is_authenticated
        and Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


def two_factor_missing(user) -> bool:
    """A moderator or administrator who must set up TOTP before they act: on the pages under
    MFA_REQUIRED_PATH_PREFIXES (accounts.middleware), in the API's moderation, and when
    deciding on an amendment (consultation/rules.py)."""
    return user.is_authenticated and (user.is_staff or has_role(user)) and not has_two_factor(user)


def contribution_refusal(user) -> str | None:
    """Why this person may not contribute now, in words for them; None when they may."""
    if not user.is_authenticated:
        return _("Sign in to take part. Reading is open to everyone.")
    if user.deleted_at or not user.is_active:
        return _("This account is closed.")
    if user.is_suspended:
        if suspended_for_good(user.suspended_until):
            return _("Your account is suspended: you can read the consultation but not contribute.")
        return _(
            "Your account is suspended until %(date)s: you can read the consultation but not "
            "contribute."
        ) % {"date": formats.date_format(timezone.localtime(user.suspended_until), "d F Y")}
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email, verified=True).exists():
        return _("Verify your e-mail address first: follow the link in the message we sent you.")
    if not user.has_declared_interests:
        return _(
            "Declare your interests in your profile before your first contribution "
            "(“none” is an answer)."
        )
    return None


@rules.predicate
def can_contribute(user) -> bool:
    return contribution_refusal(user) is None


@rules.predicate
def is_self(user, other) -> bool:
    return other is not None and user.pk == other.pk


rules.add_perm("accounts.contribute", can_contribute)
rules.add_perm("accounts.invite", is_consultation_admin)
rules.add_perm("accounts.verify_affiliation", is_consultation_admin)
rules.add_perm("accounts.edit_profile", is_self)
rules.add_perm("accounts.moderate", is_moderator)

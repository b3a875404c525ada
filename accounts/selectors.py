"""Reads of the accounts app."""

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from core import privacy

from .models import Invitation, User

# The fields of a person that pages show (core.versioning.PEOPLE: a save of others, a login's
# `last_login`, changes nothing shown).
PERSON_SHOWN_FIELDS = (
    "display_name",
    "organisation",
    "stakeholder_group",
    "interests",
    "affiliation_verified_at",
    "deleted_at",
)


def invitation_list() -> QuerySet[Invitation]:
    """Every invitation, newest first, with who sent it, who accepted it and the group."""
    return Invitation.objects.select_related(
        "invited_by", "accepted_user", "stakeholder_group", "consultation"
    )


def invitations_naming(*, user: User, addresses: list[str]) -> QuerySet[Invitation]:
    """The invitations that name the person: the one they accepted and any to their
    addresses, whatever the case of the letters."""
    to_them = Q(accepted_user=user)
    for address in addresses:
        to_them |= Q(email__iexact=address)
    return Invitation.objects.filter(to_them)


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the person, for "Download my data" (GDPR art. 15
    and 20): their profile, preferences, consents, addresses and every contribution."""
    from allauth.mfa.models import Authenticator

    user = (
        User.objects.select_related("stakeholder_group")
        .prefetch_related("pillars_of_interest__consultation", "groups")
        .get(pk=user.pk)
    )
    # The invitation they accepted, and any still pending to their address: both hold their
    # name, organisation and address as the inviting admin typed them.
    invitations = (
        Invitation.objects.filter(
            Q(accepted_user=user) | Q(accepted_at=None, email__iexact=user.email)
        )
        .select_related("invited_by", "consultation", "stakeholder_group")
        .order_by("created_at", "pk")
    )

    data = {
        "exported_at": timezone.now(),
        "site": settings.SITE_URL,
        "profile": {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "organisation": user.organisation,
            "position": user.job_title,
            "stakeholder_group": user.stakeholder_group.name if user.stakeholder_group else None,
            "speaks_for_organisation": user.speaks_for_organisation,
            "transparency_register_id": user.transparency_register_id,
            "declaration_of_interests": user.interests,
            "interests_declared_at": user.interests_declared_at,
            "affiliation_verified_at": user.affiliation_verified_at,
            "suspended_until": user.suspended_until,
            "roles": [group.name for group in user.groups.all()],
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "preferences": {
            "language": user.language,
            "digest_frequency": user.digest_frequency,
            "notify_replies": user.notify_replies,
            "notify_decisions": user.notify_decisions,
            "notify_appeals": user.notify_appeals,
            "notify_wording_changes": user.notify_wording_changes,
            "pillars_of_interest": [
                {"consultation": p.consultation.slug, "code": p.code, "title": p.title}
                for p in user.pillars_of_interest.all()
            ],
        },
        "consents": [
            {"document": c.document, "version": c.version, "accepted_at": c.accepted_at}
            for c in user.consents.order_by("accepted_at", "pk")
        ],
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "two_factor_authenticators": [
            {"type": a.type, "created_at": a.created_at, "last_used_at": a.last_used_at}
            for a in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "invitations": [
            {
                "email": i.email,
                "name": i.name,
                "organisation": i.organisation,
                "stakeholder_group": i.stakeholder_group.name if i.stakeholder_group else None,
                "invited_at": i.created_at,
                "sent_at": i.sent_at,
                "invited_by": i.invited_by.public_name if i.invited_by else None,
                "consultation": i.consultation.slug if i.consultation else None,
                "accepted_at": i.accepted_at,
            }
            for i in invitations
        ],
    }
    data.update(privacy.export(user))
    return data

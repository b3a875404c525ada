"""Sign-up, profile, preferences and the verification of affiliations."""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from core import audit

from .. import legal
from ..hooks import stakeholder_group_changed
from ..models import Consent, User
from .invitations import invitation_accept


def session_clear_expired() -> None:
    """Delete expired sessions (the session engine knows how)."""
    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    engine.clear_expired()


@transaction.atomic
def user_signup_complete(*, user: User, data: dict[str, Any], language: str | None = None) -> User:
    """Store the sign-up form's profile fields, the interface language the person signed up
    in and the consents given with it; accept the invitation they signed up through, if any."""
    for name in ("display_name", "organisation", "job_title", "stakeholder_group"):
        setattr(user, name, data.get(name) or getattr(user, name))
    if language in User.Language.values:
        user.language = language
    user.speaks_for_organisation = bool(data.get("speaks_for_organisation"))
    # The declaration of interests is asked at sign-up: no reminder to declare afterwards.
    if data.get("interests"):
        user.interests = data["interests"].strip()
        user.interests_declared_at = timezone.now()
    user.save()
    if data.get("invitation"):
        invitation_accept(invitation=data["invitation"], user=user)
    now = timezone.now()
    Consent.objects.bulk_create(
        [
            Consent(
                user=user,
                document=Consent.Document.TERMS,
                version=legal.TERMS_VERSION,
                accepted_at=now,
            ),
            Consent(
                user=user,
                document=Consent.Document.PRIVACY,
                version=legal.PRIVACY_VERSION,
                accepted_at=now,
            ),
        ],
        ignore_conflicts=True,
    )
    return user


def _same_organisation(a: str, b: str) -> bool:
    """Spaces aside, the same name: re-typing it is no change of organisation."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any], acting_user: User | None = None) -> User:
    """Update the stakeholder profile. Changing the declaration of interests re-dates it.

    A verified affiliation is the verification of one organisation: changing the
    organisation withdraws it, on the audit log, in this transaction (an admin verifies the
    new one). Positions taken on behalf of the old organisation keep its name (history).
    `acting_user`: the admin editing the profile in the Django admin; None when the person
    edits their own (the log then names the system, not them)."""
    # The stored organisation and verification, read locked: the web form has already
    # written the new values onto `user` (a ModelForm's validation does), and an admin
    # verifying the person at this moment waits for this change, or this one sees theirs.
    stored = (
        User.objects.select_for_update()
        .values("organisation", "affiliation_verified_at", "stakeholder_group_id")
        .get(pk=user.pk)
    )
    interests = data.get("interests", user.interests).strip()
    if interests != user.interests or user.interests_declared_at is None:
        user.interests_declared_at = timezone.now()
    user.interests = interests
    changed = ["interests", "interests_declared_at"]
    for name in (
        "display_name",
        "organisation",
        "job_title",
        "stakeholder_group",
        "speaks_for_organisation",
        "transparency_register_id",
    ):
        if name in data:
            setattr(user, name, data[name])
            changed.append(name)
    withdrawn = stored["affiliation_verified_at"] is not None and not _same_organisation(
        stored["organisation"], user.organisation
    )
    if withdrawn:
        user.affiliation_verified_at = None
        user.affiliation_verified_by = None
        changed += ["affiliation_verified_at", "affiliation_verified_by"]
    user.full_clean(exclude=["password"])
    # Only the profile's fields: a stale instance must not write back an older verification
    # or suspension over what an admin or a moderator has just decided.
    user.save(update_fields=changed)
    if user.stakeholder_group_id != stored["stakeholder_group_id"]:
        stakeholder_group_changed(user=user, before_group_id=stored["stakeholder_group_id"])
    if withdrawn:
        audit.audit_log_write(
            # Nobody decided it: the change of organisation did (the log's "system"), unless
            # an admin changed it for the person.
            acting_user=acting_user,
            action=audit.REVOKE_AFFILIATION,
            subject_user=user,
            content_label=stored["organisation"],
            # Written as the log's own labels are (in English), with both names as typed.
            reason=f"Organisation changed from {stored['organisation']} to "
            f"{user.organisation or '(none)'}",
            state_before="verified",
            state_after="unverified",
        )
    return user


@transaction.atomic
def preferences_update(*, user: User, data: dict[str, Any]) -> User:
    for name in (
        "language",
        "digest_frequency",
        "notify_replies",
        "notify_decisions",
        "notify_appeals",
        "notify_wording_changes",
    ):
        if name in data:
            setattr(user, name, data[name])
    user.save()
    if "pillars_of_interest" in data:
        user.pillars_of_interest.set(data["pillars_of_interest"])
    return user


@transaction.atomic
def affiliation_verify(
    *, user: User, acting_user: User, verified: bool = True, reason: str = ""
) -> User:
    """A consultation admin verifies that a person speaks for their organisation (or withdraws
    the verification), on the audit log in the same transaction. Verifying a verified
    affiliation, or withdrawing an unverified one, changes nothing and logs nothing."""
    if not acting_user.has_perm("accounts.verify_affiliation"):
        raise PermissionDenied(_("Only consultation admins verify affiliations."))
    # Read locked: two admins acting at once must not both log the same change. The caller's
    # instance is the one changed, as before.
    locked = User.objects.select_for_update().get(pk=user.pk)
    if verified and locked.deleted_at:
        raise ValidationError(_("This account is closed: there is no affiliation to verify."))
    before = "verified" if locked.affiliation_verified_at else "unverified"
    after = "verified" if verified else "unverified"
    if before == after:
        return user
    user.affiliation_verified_at = timezone.now() if verified else None
    user.affiliation_verified_by = acting_user if verified else None
    user.save(update_fields=["affiliation_verified_at", "affiliation_verified_by"])
    audit.audit_log_write(
        acting_user=acting_user,
        action=audit.VERIFY_AFFILIATION if verified else audit.REVOKE_AFFILIATION,
        subject_user=user,
        content_label=locked.organisation,
        reason=(reason or "").strip(),
        state_before=before,
        state_after=after,
    )
    return user

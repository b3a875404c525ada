"""Reads of the accounts app."""

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from .models import Invitation, User


def invitation_list() -> QuerySet[Invitation]:
    """Every invitation, newest first, with who sent it, who accepted it and the group."""
    return Invitation.objects.select_related(
        "invited_by", "accepted_user", "stakeholder_group", "consultation"
    )


def _recommendation(recommendation) -> dict[str, str]:
    return {
        "consultation": recommendation.consultation.slug,
        "reference": recommendation.reference,
        "title": recommendation.title,
        "url": settings.SITE_URL + recommendation.get_absolute_url(),
    }


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform holds about the person, for "Download my data" (GDPR art. 15
    and 20): their profile, preferences, consents, addresses and every contribution."""
    from allauth.mfa.models import Authenticator

    from consultation.models import (
        Amendment,
        AmendmentEndorsement,
        Comment,
        CommentRevision,
        Follow,
        Notification,
        Position,
    )
    from recommendations.models import RecommendationVersion

    user = (
        User.objects.select_related("stakeholder_group")
        .prefetch_related("pillars_of_interest__consultation", "groups")
        .get(pk=user.pk)
    )
    recommendation = "recommendation__consultation"
    comments = (
        Comment.objects.filter(author=user)
        .select_related(recommendation)
        .prefetch_related(
            Prefetch("revisions", queryset=CommentRevision.objects.order_by("created_at"))
        )
        .order_by("created_at", "pk")
    )
    positions = (
        Position.objects.filter(author=user)
        .select_related(recommendation, "version")
        .order_by("created_at", "pk")
    )
    amendments = (
        Amendment.objects.filter(author=user)
        .select_related(recommendation, "base_version", "resulting_version")
        .order_by("created_at", "pk")
    )
    endorsements = (
        AmendmentEndorsement.objects.filter(user=user)
        .select_related("amendment__recommendation__consultation")
        .order_by("created_at", "pk")
    )
    # Wordings credited to them: their accepted amendments, or their changes as an admin.
    wordings = (
        RecommendationVersion.objects.filter(author=user)
        .select_related(recommendation)
        .order_by("created_at", "pk")
    )
    follows = Follow.objects.filter(user=user).select_related(recommendation).order_by("pk")
    notifications = Notification.objects.filter(user=user).order_by("created_at", "pk")
    if apps.is_installed("digests"):
        # Whether (and when) each notice was also e-mailed: a reverse one-to-one, joined.
        notifications = notifications.select_related("email_delivery")
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
        "comments": [
            {
                "id": c.pk,
                "recommendation": _recommendation(c.recommendation),
                "amendment": c.amendment_id,
                "in_reply_to": c.parent_id,
                "body": c.body,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "deleted_at": c.deleted_at,
                "moderation_state": c.moderation_state,
                "earlier_texts": [
                    {"body": r.body, "replaced_at": r.created_at} for r in c.revisions.all()
                ],
            }
            for c in comments
        ],
        "positions": [
            {
                "recommendation": _recommendation(p.recommendation),
                "stance": p.stance,
                "reason": p.reason,
                "on_wording_version": p.version.number,
                "on_behalf_of_organisation": p.on_behalf_of_organisation,
                "organisation": p.organisation,
                "moderation_state": p.moderation_state,
                "created_at": p.created_at,
                "updated_at": p.updated_at,
            }
            for p in positions
        ],
        "amendments": [
            {
                "id": a.pk,
                "recommendation": _recommendation(a.recommendation),
                "on_wording_version": a.base_version.number,
                "title": a.title,
                "body": a.body,
                "justification": a.justification,
                "evidence_links": a.evidence_links,
                "status": a.status,
                "decided_at": a.decided_at,
                "decision_reason": a.decision_reason,
                "resulting_wording_version": (
                    a.resulting_version.number if a.resulting_version else None
                ),
                "moderation_state": a.moderation_state,
                "created_at": a.created_at,
            }
            for a in amendments
        ],
        "wordings_credited": [
            {
                "recommendation": _recommendation(v.recommendation),
                "version": v.number,
                "title": v.title,
                "body": v.body,
                "reason": v.reason,
                "created_at": v.created_at,
            }
            for v in wordings
        ],
        "amendment_endorsements": [
            {
                "amendment": e.amendment_id,
                "recommendation": _recommendation(e.amendment.recommendation),
                "created_at": e.created_at,
            }
            for e in endorsements
        ],
        "follows": [
            {"recommendation": _recommendation(f.recommendation), "since": f.created_at}
            for f in follows
        ],
        "notifications": [
            {
                "kind": n.kind,
                "message": n.message,
                "url": n.url,
                "created_at": n.created_at,
                "read_at": n.read_at,
                "emailed_at": _emailed_at(n),
            }
            for n in notifications
        ],
    }
    data.update(_other_apps_data(user))
    return data


def _emailed_at(notification) -> datetime | None:
    """When the notice was e-mailed to them, if it was (digests keeps the delivery)."""
    try:
        delivery = notification.email_delivery
    except (AttributeError, ObjectDoesNotExist):
        return None
    return delivery.sent_at


def _other_apps_data(user: User) -> dict[str, Any]:
    """What the optional apps hold about the person: API tokens (never their keys nor the
    keys' hashes), the flags they raised, the moderation log's rows about them, their
    appeals of moderation decisions and the digests sent to them."""
    data: dict[str, Any] = {}
    if apps.is_installed("api"):
        data["api_tokens"] = [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in apps.get_model("api", "ApiToken").objects.filter(user=user).order_by("pk")
        ]
    if apps.is_installed("moderation"):
        flags = apps.get_model("moderation", "Flag").objects.filter(flagger=user).order_by("pk")
        data["flags_raised"] = [
            {
                "on": f.content_kind,
                "id": f.content_id,
                "reason": f.reason,
                "text": f.text,
                "created_at": f.created_at,
                "resolution": f.resolution,
                "resolved_at": f.resolved_at,
            }
            for f in flags
        ]
        data["moderation_actions_about_you"] = _moderation_actions_about(user)
        appeals = apps.get_model("moderation", "Appeal").objects.filter(appellant=user)
        data["appeals"] = [
            {
                "decision": a.decision_id,
                "text": a.text,
                "state": a.state,
                "created_at": a.created_at,
                "decided_at": a.decided_at,
                "outcome_reason": a.outcome_reason,
            }
            for a in appeals.order_by("pk")
        ]
    if apps.is_installed("digests"):
        records = apps.get_model("digests", "DigestRecord").objects.filter(user=user)
        data["digests"] = [
            {
                "frequency": r.frequency,
                "period_start": r.period_start,
                "status": r.status,
                "sent_at": r.sent_at,
            }
            for r in records.order_by("period_start", "pk")
        ]
    return data


def _moderation_actions_about(user: User) -> list[dict[str, Any]]:
    """The audit log's rows about the person: decisions on their contributions, warnings,
    suspensions, appeals and their outcomes, administrative decisions (amendments,
    affiliation) and reports of their contributions, each with its reason.

    Who acted is given as a role, never a name. The platform deliberately withholds it from
    the person concerned: their decision page says "A moderator" (moderation/decision.html),
    and an appeal goes to "a moderator who did not take it", not to someone they can
    pressure. Reports are anonymous to the reported author, so a report's row keeps only
    its category, not the reporter's own words, which could identify them (GDPR art. 15(4):
    the copy must not harm the rights of others). The moderators' names stay in the log,
    for the consultation's accountability.
    """
    from moderation.models import Flag, ModerationAction

    Action = ModerationAction.Action
    with override(settings.LANGUAGE_CODE):  # the log keeps a report's category in this one
        report_categories = [str(label) for label in Flag.Reason.labels]
    decisions = {*ModerationAction.DECISIONS, Action.UPHOLD, Action.OVERTURN}
    rows = (
        ModerationAction.objects.filter(subject_user=user)
        .select_related("consultation")
        .order_by("created_at", "pk")
    )
    result = []
    for row in rows:
        if row.actor_id is None:
            by = "the system"
        elif row.actor_id == user.pk:
            by = "you"  # their own appeal
        elif row.action == Action.FLAG:
            by = "another participant"
        else:
            by = "a moderator or administrator"
        reason = row.reason
        if row.action == Action.FLAG:
            reason = next(
                (c for c in report_categories if reason == c or reason.startswith(f"{c}: ")),
                None,
            )
        result.append(
            {
                "action": row.action,
                "by": by,
                "on": row.content_kind or None,
                "id": row.content_id,
                "about": row.content_label,
                "consultation": row.consultation.slug if row.consultation else None,
                "reason": reason,
                "state_before": row.state_before,
                "state_after": row.state_after,
                "suspended_until": row.suspended_until,
                "appeal": row.appeal_id,
                "created_at": row.created_at,
                # Where they read the decision and may appeal it.
                "url": settings.SITE_URL + reverse("moderation:decision", args=[row.pk])
                if row.action in decisions and row.actor_id is not None
                else None,
            }
        )
    return result

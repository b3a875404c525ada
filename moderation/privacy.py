"""What moderation holds about a person: the flags they raised, the audit log's rows about
them and their appeals. The log stays when the account is deleted (the consultation's
accountability), naming "Former participant"."""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from core import privacy

from .models import Appeal, Flag, ModerationAction


def _export(user) -> dict[str, Any]:
    data: dict[str, Any] = {}
    flags = Flag.objects.filter(flagger=user).order_by("pk")
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
    appeals = Appeal.objects.filter(appellant=user)
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
    return data


def _moderation_actions_about(user) -> list[dict[str, Any]]:
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


privacy.register(
    models=["moderation.Flag", "moderation.ModerationAction", "moderation.Appeal"],
    export=_export,
)

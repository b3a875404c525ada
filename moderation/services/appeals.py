"""Appeals of a decision, and their outcome."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import notices
from ..models import (
    Appeal,
    ModerationAction,
    label_lower,
)
from .base import (
    REASON_MAX_LENGTH,
    Action,
    AlreadyDecided,
    ModerationRefused,
    State,
    _clean_reason,
    _lock,
    _log,
    _state_save,
    _when,
)
from .decisions import _on_published


@transaction.atomic
def appeal_create(*, acting_user: User, decision: ModerationAction, text: str) -> Appeal:
    """The author appeals a decision, once; the appeal goes to the queue."""
    decision = (
        ModerationAction.objects.select_for_update(of=("self",))
        .select_related("comment", "amendment", "position")
        .get(pk=decision.pk)
    )
    if not acting_user.has_perm("moderation.appeal", decision):
        raise ModerationRefused(
            _("Decisions taken on appeal are final.")
            if decision.appeal_id
            else _("Only the person a moderator's decision is about may appeal it.")
        )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say why the decision should change.")})
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Keep it under %(max)s characters.") % {"max": f"{REASON_MAX_LENGTH:,}"}}
        )
    if Appeal.objects.filter(decision=decision).exists():
        raise ValidationError(
            _("You have already appealed this decision: an appeal is heard once.")
        )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(decision=decision, appellant=acting_user, text=text)
    except IntegrityError:
        raise ValidationError(_("You have already appealed this decision.")) from None
    content = decision.content
    state = content.moderation_state if content is not None else ""
    _log(
        actor=acting_user,
        action=Action.APPEAL,
        content=content,
        subject_user=acting_user,
        content_label=decision.content_label,
        consultation=decision.consultation,
        reason=text,
        state_before=state,
        state_after=state,
        appeal=appeal,
    )
    return appeal


APPEAL_OUTCOMES = {"uphold": Action.UPHOLD, "overturn": Action.OVERTURN}


@transaction.atomic
def appeal_decide(
    *, acting_user: User, appeal: Appeal, outcome: str, reason: str
) -> ModerationAction:
    """A moderator other than the one who decided hears the appeal; their decision is final.

    Overturning a rejection or hiding publishes the contribution again; overturning a
    suspension lifts it; overturning a warning withdraws it (on the record).
    """
    if outcome not in APPEAL_OUTCOMES:
        raise ValidationError({"outcome": _("Uphold or overturn the decision.")})
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("decision", "decided_by", "appellant")
        .get(pk=appeal.pk)
    )
    if not appeal.is_open:
        raise AlreadyDecided(
            _("Already decided by %(name)s (%(outcome)s, %(when)s).")
            % {
                "name": appeal.decided_by.public_name if appeal.decided_by else "?",
                "outcome": label_lower(appeal.get_state_display()),
                "when": _when(appeal.decided_at),
            }
        )
    if not acting_user.has_perm("moderation.decide_appeal", appeal):
        if appeal.decision.actor_id == acting_user.pk:
            raise ModerationRefused(
                _("You took the decision under appeal: another moderator must hear it.")
            )
        raise ModerationRefused(_("Only another moderator may hear this appeal."))
    action = APPEAL_OUTCOMES[outcome]
    reason = _clean_reason(reason, action=Action.REJECT)  # a reason is owed either way
    decision = appeal.decision
    content = _lock(decision.content) if decision.content is not None else None
    before = after = content.moderation_state if content is not None else ""
    extra = {}
    if action == Action.OVERTURN:
        if decision.action in (Action.REJECT, Action.HIDE) and before in (
            State.REJECTED,
            State.HIDDEN,
        ):
            after = State.PUBLISHED
            _state_save(content, after)
            _on_published(content)
        elif decision.action == Action.SUSPEND:
            User.objects.filter(pk=decision.subject_user_id).update(suspended_until=None)
            extra["suspended_until"] = None
    appeal.state = Appeal.State.OVERTURNED if action == Action.OVERTURN else Appeal.State.UPHELD
    appeal.decided_by, appeal.decided_at = acting_user, timezone.now()
    appeal.outcome_reason = reason
    appeal.save(update_fields=["state", "decided_by", "decided_at", "outcome_reason"])
    row = _log(
        actor=acting_user,
        action=action,
        content=content,
        subject_user=appeal.appellant,
        content_label=decision.content_label,
        consultation=decision.consultation,
        reason=reason,
        state_before=before,
        state_after=after,
        appeal=appeal,
        **extra,
    )
    notices.notify_decision(row)
    return row

"""Moderators' decisions on contributions and on their authors (warnings, suspensions)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SUSPENDED_FOR_GOOD, User
from accounts.rules import is_moderator
from consultation.models import Comment
from consultation.notices import notify_reply

from .. import notices
from ..models import (
    Flag,
    ModerationAction,
    label_lower,
)
from .base import (
    CONTENT_ACTIONS,
    TRANSITIONS,
    UPHOLDS_FLAGS,
    Action,
    AlreadyDecided,
    ModerationRefused,
    State,
    _already_decided,
    _clean_reason,
    _lock,
    _log,
    _resolve_flags,
    _state_save,
    _when,
)


def _on_published(content) -> None:
    """A reply that waited for a moderator reaches its parent's author only now."""
    if isinstance(content, Comment) and content.moderation_state == State.PUBLISHED:
        notify_reply(comment=content)


@transaction.atomic
def content_decide(
    *, acting_user: User, content, action: str, reason: str = "", expected_state: str
) -> ModerationAction:
    """Approve, reject, hide or restore a contribution, or dismiss the reports on it.

    `expected_state` is the state the moderator's page showed: if it changed meanwhile,
    someone else decided first and AlreadyDecided says who.
    """
    if action not in CONTENT_ACTIONS:
        raise ValidationError({"action": _("Unknown action.")})
    content = _lock(content)
    if not acting_user.has_perm("moderation.decide", content):
        raise ModerationRefused(
            _("You wrote this contribution: another moderator must decide on it.")
            if is_moderator(acting_user)
            else _("Only moderators decide on contributions.")
        )
    before = content.moderation_state
    if before != expected_state:
        raise _already_decided(content, expected=expected_state)
    reason = _clean_reason(reason, action=action)
    if action == Action.DISMISS_FLAGS:
        after = before
        if not _resolve_flags(content, resolution=Flag.Resolution.DISMISSED):
            raise _already_decided(content, expected="reported")
    else:
        allowed, after = TRANSITIONS[action]
        if before not in allowed:
            raise ValidationError(
                _("A %(state)s contribution cannot be %(action)s.")
                % {
                    "state": label_lower(content.get_moderation_state_display()),
                    "action": label_lower(Action(action).label),
                }
            )
        _state_save(content, after)
        _on_published(content)
        resolution = (
            Flag.Resolution.UPHELD if action in UPHOLDS_FLAGS else Flag.Resolution.DISMISSED
        )
        _resolve_flags(content, resolution=resolution)
    row = _log(
        actor=acting_user,
        action=action,
        content=content,
        reason=reason,
        state_before=before,
        state_after=after,
    )
    if action != Action.DISMISS_FLAGS:
        notices.notify_decision(row)
    return row


@transaction.atomic
def author_warn(*, acting_user: User, content, reason: str) -> ModerationAction:
    """Warn a contribution's author; the contribution stays as it is."""
    content = _lock(content)
    if not acting_user.has_perm("moderation.warn", content):
        raise ModerationRefused(_("Only another moderator may warn this contribution's author."))
    reason = _clean_reason(reason, action=Action.WARN)
    state = content.moderation_state
    row = _log(
        actor=acting_user,
        action=Action.WARN,
        content=content,
        reason=reason,
        state_before=state,
        state_after=state,
    )
    notices.notify_decision(row)
    return row


@transaction.atomic
def author_suspend(
    *,
    acting_user: User,
    content,
    reason: str,
    until: datetime | None = None,
    for_good: bool = False,
) -> ModerationAction:
    """Suspend a contribution's author until a date or for good: they read, not contribute."""
    content = _lock(content)
    if not acting_user.has_perm("moderation.suspend", content):
        raise ModerationRefused(_("Only another moderator may suspend this contribution's author."))
    reason = _clean_reason(reason, action=Action.SUSPEND)
    if for_good:
        until = SUSPENDED_FOR_GOOD
    elif until is None:
        raise ValidationError(
            {"until": _("Give the date the suspension ends, or suspend for good.")}
        )
    elif until <= timezone.now():
        raise ValidationError({"until": _("The suspension must end in the future.")})
    author = User.objects.select_for_update().get(pk=content.author_id)
    if is_moderator(author):
        raise ModerationRefused(_("Moderators and administrators are not suspended here."))
    author.suspended_until = until
    author.save(update_fields=["suspended_until"])
    state = content.moderation_state
    row = _log(
        actor=acting_user,
        action=Action.SUSPEND,
        content=content,
        subject_user=author,
        reason=reason,
        state_before=state,
        state_after=state,
        suspended_until=until,
    )
    notices.notify_decision(row)
    return row


# The log's words for a person's account on lifting a suspension (state_before, state_after);
# the row's `suspended_until` keeps when the lifted suspension would have ended.
SUSPENDED, ACTIVE = "suspended", "active"


def _not_suspended(person: User) -> Exception:
    """Why a person's suspension cannot be lifted: someone lifted it (or overturned it on
    appeal) since it was imposed, as the moderator's page did not show yet (AlreadyDecided),
    or there is none (it ended, or there never was one)."""
    last = (
        ModerationAction.objects.filter(subject_user=person)
        .filter(
            Q(action__in=[Action.SUSPEND, Action.LIFT_SUSPENSION])
            | Q(action=Action.OVERTURN, appeal__decision__action=Action.SUSPEND)
        )
        .select_related("actor")
        .first()
    )
    if last is not None and last.action != Action.SUSPEND:
        return AlreadyDecided(
            _("Already lifted by %(name)s (%(action)s, %(when)s): %(person)s is not suspended.")
            % {
                "name": last.actor_name,
                "action": label_lower(last.get_action_display()),
                "when": _when(last.created_at),
                "person": person.public_name,
            }
        )
    return ValidationError(
        _("%(person)s is not suspended: there is no suspension to lift.")
        % {"person": person.public_name}
    )


@transaction.atomic
def suspension_lift(*, acting_user: User, user: User, reason: str) -> ModerationAction:
    """End a person's suspension now (one until a date or for good), not on appeal: they may
    contribute again. The log's row is about the person (no contribution); they are told as of
    a decision, but there is nothing to appeal (LIFT_SUSPENSION is not in DECISIONS).

    Two moderators lifting one suspension both lock the person's row; the second finds them
    no longer suspended and is told who lifted it (AlreadyDecided).
    """
    if not acting_user.has_perm("moderation.lift_suspension", user):
        raise ModerationRefused(
            _("Your own suspension is lifted by another moderator.")
            if is_moderator(acting_user)
            else _("Only moderators lift suspensions.")
        )
    person = User.objects.select_for_update().get(pk=user.pk)
    if not person.is_suspended:
        raise _not_suspended(person)
    reason = _clean_reason(reason, action=Action.LIFT_SUSPENSION)
    until = person.suspended_until
    person.suspended_until = None
    person.save(update_fields=["suspended_until"])
    row = _log(
        actor=acting_user,
        action=Action.LIFT_SUSPENSION,
        subject_user=person,
        reason=reason,
        state_before=SUSPENDED,
        state_after=ACTIVE,
        suspended_until=until,
    )
    notices.notify_decision(row)
    return row

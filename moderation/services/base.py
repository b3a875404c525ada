"""What every moderation service shares: the constants, locking, the reasons, and the audit
log's writer (also registered as core.audit's port)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from accounts.models import User
from consultation.models import Comment, ModerationState
from consultation.services import summaries

from ..models import (
    Flag,
    ModerationAction,
    kind_name,
    kind_of,
    label_lower,
    state_word,
)

State = ModerationState
Action = ModerationAction.Action

REASON_MAX_LENGTH = 3_000
FLAG_TEXT_MAX_LENGTH = 1_000

# What each decision on a contribution needs it to be in, and leaves it in.
TRANSITIONS: dict[str, tuple[set[str], str]] = {
    Action.APPROVE: ({State.PENDING}, State.PUBLISHED),
    Action.REJECT: ({State.PENDING, State.PUBLISHED, State.HIDDEN}, State.REJECTED),
    Action.HIDE: ({State.PUBLISHED}, State.HIDDEN),
    Action.RESTORE: ({State.HIDDEN, State.REJECTED}, State.PUBLISHED),
}
# Decisions that say the reports were right, and those that say they were not.
UPHOLDS_FLAGS = {Action.REJECT, Action.HIDE}
DISMISSES_FLAGS = {Action.APPROVE, Action.RESTORE, Action.DISMISS_FLAGS}
REASON_REQUIRED = {
    Action.REJECT,
    Action.HIDE,
    Action.WARN,
    Action.SUSPEND,
    Action.LIFT_SUSPENSION,
}
CONTENT_ACTIONS = (*TRANSITIONS, Action.DISMISS_FLAGS)


class ModerationRefused(PermissionDenied):
    """The person may not do this; the message says why."""


class AlreadyDecided(Exception):
    """Someone else acted first: the contribution (or appeal) is no longer as the page showed."""


def content_label(content) -> str:
    return f"{kind_of(content)} #{content.pk} on {content.recommendation.reference}"


def _reference(content) -> dict:
    return {kind_of(content): content}


def _lock(content):
    """The contribution again, its row locked, with what the log and messages need."""
    return (
        type(content)
        .objects.select_for_update(of=("self",))
        .select_related("author", "recommendation__consultation")
        .get(pk=content.pk)
    )


def _clean_reason(reason: str, *, action: str) -> str:
    reason = (reason or "").strip()
    if action in REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _("Give a reason: pick one or write it.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason under %(max)s characters.")
                % {"max": f"{REASON_MAX_LENGTH:,}"}
            }
        )
    return reason


def _already_decided(content, *, expected: str) -> AlreadyDecided:
    last = (
        ModerationAction.objects.filter(**_reference(content))
        # Only decisions on its moderation state: not reports, appeals, nor (an amendment's)
        # acceptance or rejection, which leave that state as it was.
        .exclude(action__in=[Action.FLAG, Action.APPEAL, *ModerationAction.ADMINISTRATIVE_ACTIONS])
        .select_related("actor")
        .first()
    )
    now = label_lower(content.get_moderation_state_display())
    kind = kind_name(kind_of(content))
    if last is None:
        return AlreadyDecided(
            _("This %(kind)s is now %(state)s, not %(expected)s.")
            % {"kind": kind, "state": now, "expected": state_word(expected)}
        )
    return AlreadyDecided(
        _("Already decided by %(name)s (%(action)s, %(when)s): this %(kind)s is now %(state)s.")
        % {
            "name": last.actor_name,
            "action": label_lower(last.get_action_display()),
            "when": _when(last.created_at),
            "kind": kind,
            "state": now,
        }
    )


def _when(moment) -> str:
    """A moment as "05 March 2030 14:05", the month in the active language."""
    return date_format(timezone.localtime(moment), "d F Y H:i")


def _log(*, actor, action, content=None, subject_user=None, **fields) -> ModerationAction:
    if content is not None:
        fields.update(_reference(content))
        fields.setdefault("content_label", content_label(content))
        fields.setdefault("consultation", content.recommendation.consultation)
        subject_user = subject_user or content.author
    return ModerationAction.objects.create(
        actor=actor, action=action, subject_user=subject_user, **fields
    )


def audit_log_write(
    *,
    acting_user: User,
    action: str,
    content=None,
    subject_user: User | None = None,
    reason: str = "",
    state_before: str = "",
    state_after: str = "",
    content_label: str = "",
) -> ModerationAction:
    """The audit log's row for an administrative action another app's service takes
    (deciding on an amendment, verifying an affiliation), in that service's transaction: the
    row and the change are committed together or not at all. It tells nobody: the caller
    sends its own notices, and these rows are no decisions an author may appeal."""
    if action not in ModerationAction.ADMINISTRATIVE_ACTIONS:
        raise ValueError(f"Not an administrative action: {action!r}.")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Write the audit log's row in the transaction of the change.")
    fields = {}
    if content_label:
        limit = ModerationAction._meta.get_field("content_label").max_length
        fields["content_label"] = Truncator(content_label).chars(limit)
    return _log(
        actor=acting_user,
        action=action,
        content=content,
        subject_user=subject_user,
        reason=reason,
        state_before=state_before,
        state_after=state_after,
        **fields,
    )


def _resolve_flags(content, *, resolution: str) -> int:
    return Flag.objects.filter(**_reference(content), resolved_at=None).update(
        resolved_at=timezone.now(), resolution=resolution
    )


def _state_save(content, state: str) -> None:
    """Move a contribution (locked by `_lock`) to `state`; the summaries of the dialogue
    follow in this transaction (a hidden position or comment stops counting). A comment hidden
    keeps the category of the reports that hid it (the most given among the open ones; none
    when no one reported it) for its placeholder; published again, it loses it."""
    with summaries.tracking(type(content).objects.filter(pk=content.pk)):
        _state_set(content, state)


def _state_set(content, state: str) -> None:
    content.moderation_state = state
    fields = ["moderation_state"]
    if isinstance(content, Comment):
        content.hidden_reason = ""
        if state == State.HIDDEN:
            top = (
                Flag.objects.filter(**_reference(content), resolved_at=None)
                .values("reason")
                .annotate(n=Count("pk"))
                .order_by("-n", "reason")
                .first()
            )
            content.hidden_reason = top["reason"] if top else ""
        fields.append("hidden_reason")
    content.save(update_fields=fields)

"""Writes of moderation. Each checks moderation/rules.py first, locks what it changes, checks
that the contribution is still in the state the moderator saw, and writes its row of the
audit log (ModerationAction) in the same transaction. Authors hear of each decision: an
on-site notification, and an e-mail after the commit if they want one.

Concurrency: two moderators deciding one contribution both lock its row
(`select_for_update`); the second finds it no longer in the state their page showed and is
told who decided first (`AlreadyDecided`). On SQLite, which has no row locks, the database's
write lock (transactions begin IMMEDIATE, see config/settings/base.py) serialises them.
"""

import re
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import SUSPENDED_FOR_GOOD, User, suspended_for_good
from accounts.rules import is_moderator
from consultation.models import Amendment, Comment, ModerationState, Notification, Position
from digests.notifications import notify_reply
from recommendations.models import Recommendation

from . import emails
from .models import (
    Appeal,
    Flag,
    ModerationAction,
    ModerationPolicy,
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


# -- Helpers --------------------------------------------------------------------------------


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


def decision_message(action: ModerationAction, *, with_reason: bool = True) -> str:
    """The decision in a sentence or two, for its author."""
    label = action.content_words
    what = _("Your %(contribution)s") % {"contribution": label} if label else _("Your contribution")
    reason = (
        " " + _("Reason: %(reason)s") % {"reason": action.reason}
        if action.reason and with_reason
        else ""
    )
    words = {"what": what, "reason": reason}
    if action.action == Action.APPROVE:
        text = _("%(what)s is published: a moderator approved it.") % words
    elif action.action == Action.REJECT:
        text = _("%(what)s was rejected by a moderator.%(reason)s You may appeal once.") % words
    elif action.action == Action.HIDE:
        text = _("%(what)s was hidden by a moderator.%(reason)s You may appeal once.") % words
    elif action.action == Action.RESTORE:
        text = _("%(what)s was restored by a moderator: it is public again.") % words
    elif action.action == Action.AUTO_HIDE:
        text = (
            _(
                "%(what)s was hidden after reports from several people, until a moderator "
                "reviews it."
            )
            % words
        )
    elif action.action == Action.WARN:
        text = _("A moderator warned you about your %(contribution)s.%(reason)s") % {
            "contribution": label,
            "reason": reason,
        }
    elif action.action == Action.SUSPEND:
        text = _("Your account is %(suspension)s.%(reason)s") % {
            "suspension": suspension_words(action.suspended_until),
            "reason": reason,
        }
    elif action.action == Action.LIFT_SUSPENSION:
        text = _("Your suspension is lifted: you may contribute again.%(reason)s") % words
    elif action.action == Action.UPHOLD:
        text = (
            _("Your appeal was heard: the decision stands.%(reason)s This decision is final.")
            % words
        )
    else:  # OVERTURN
        text = (
            _("Your appeal was heard: the decision is overturned.%(reason)s This is final.") % words
        )
    return Truncator(text).chars(Notification._meta.get_field("message").max_length)


def suspension_words(until) -> str:
    if until is None:
        return _("no longer suspended")
    if suspended_for_good(until):
        return _("suspended for good")
    return _("suspended until %(day)s") % {"day": date_format(timezone.localtime(until), "d F Y")}


def _notify(action: ModerationAction) -> Notification | None:
    """Tell the author of the decision: a notification now, an e-mail after the commit."""
    user = action.subject_user
    if user is None:
        return None
    appeal_outcome = action.action in (Action.UPHOLD, Action.OVERTURN)
    content = action.content
    # The notification's text is stored: written in the language of the person it is for.
    with override(user.language or settings.LANGUAGE_CODE):
        message = decision_message(action)
    notification = Notification.objects.create(
        user=user,
        kind=Notification.Kind.APPEAL if appeal_outcome else Notification.Kind.DECISION,
        recommendation=content.recommendation if content is not None else None,
        message=message,
        url=reverse("moderation:decision", args=[action.pk]),
    )
    wants = user.notify_appeals if appeal_outcome else user.notify_decisions
    if wants and user.is_active and not user.deleted_at:
        transaction.on_commit(partial(emails.send_decision, action.pk))
    return notification


# -- On creation ----------------------------------------------------------------------------


def policy_for(recommendation: Recommendation) -> ModerationPolicy:
    """The consultation's policy, or the default one (unsaved) when it has none."""
    policy = ModerationPolicy.objects.filter(consultation_id=recommendation.consultation_id).first()
    return policy or ModerationPolicy(consultation_id=recommendation.consultation_id)


def _matches(text: str, terms: list[str]) -> bool:
    text = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) for term in terms)


def published_contribution_count(*, author: User, recommendation: Recommendation) -> int:
    """The author's published contributions in this consultation (positions with a reason)."""
    scope = {
        "author": author,
        "recommendation__consultation_id": recommendation.consultation_id,
        "moderation_state": State.PUBLISHED,
    }
    return (
        Comment.objects.filter(**scope).count()
        + Amendment.objects.filter(**scope).count()
        + Position.objects.filter(**scope).exclude(reason="").count()
    )


def initial_state(
    *,
    author: User,
    recommendation: Recommendation,
    text: str,
    previous_state: str | None = None,
    previous_text: str | None = None,
) -> str:
    """Whether a new (or rewritten) contribution is published at once or waits for a
    moderator, by the consultation's policy: a review term in the text holds it in any mode;
    `pre_all` holds everything; `pre_first_n` holds a person's contributions until moderators
    have published `first_n` of them. A text the moderators hid or rejected, rewritten, waits
    again; an unchanged text keeps its state. A contribution without text (a position without
    a reason) has nothing to moderate.
    """
    if not (text or "").strip():
        return State.PUBLISHED
    if previous_state and previous_text == text:
        return previous_state
    if previous_state in (State.HIDDEN, State.REJECTED):
        return State.PENDING
    if is_moderator(author):
        return State.PUBLISHED
    policy = policy_for(recommendation)
    if _matches(text, policy.terms):
        return State.PENDING
    if policy.mode == ModerationPolicy.Mode.PRE_ALL:
        return State.PENDING
    if policy.mode == ModerationPolicy.Mode.PRE_FIRST_N:
        done = published_contribution_count(author=author, recommendation=recommendation)
        if done < policy.first_n:
            return State.PENDING
    return State.PUBLISHED


# -- Flags ----------------------------------------------------------------------------------


def flag_refusal(user: User, content) -> str | None:
    if user.has_perm("moderation.flag", content):
        return None
    if not user.is_authenticated:
        return _("Sign in to report a contribution.")
    if content.author_id == user.pk:
        return _("This is your own contribution: you cannot report it.")
    if content.moderation_state != State.PUBLISHED:
        return _("This contribution is not public: the moderators already have it.")
    from accounts.rules import contribution_refusal

    return contribution_refusal(user) or _("You may not report this contribution.")


@transaction.atomic
def flag_create(*, acting_user: User, content, reason: str, text: str = "") -> Flag:
    """Report a contribution. Once `flag_threshold` different people have reported it and no
    moderator has dealt with their reports, it is hidden until one reviews it."""
    content = _lock(content)
    refusal = flag_refusal(acting_user, content)
    if refusal:
        raise ModerationRefused(refusal)
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you report it.")})
    text = (text or "").strip()
    if reason == Flag.Reason.OTHER and not text:
        raise ValidationError({"text": _("Say what is wrong with it.")})
    if len(text) > FLAG_TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Keep it under %(max)s characters.") % {"max": f"{FLAG_TEXT_MAX_LENGTH:,}"}}
        )
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                flagger=acting_user, reason=reason, text=text, **_reference(content)
            )
    except IntegrityError:
        raise ValidationError(_("You have already reported this contribution.")) from None
    state = content.moderation_state
    with override(settings.LANGUAGE_CODE):  # the log's reasons are kept in one language
        label = str(Flag.Reason(reason).label)
    _log(
        actor=acting_user,
        action=Action.FLAG,
        content=content,
        reason=f"{label}: {text}" if text else label,
        state_before=state,
        state_after=state,
    )
    threshold = policy_for(content.recommendation).flag_threshold
    reporters = Flag.objects.filter(**_reference(content), resolved_at=None).count()
    if reporters >= threshold and state == State.PUBLISHED:
        content.moderation_state = State.HIDDEN
        content.save(update_fields=["moderation_state"])
        action = _log(
            actor=None,
            action=Action.AUTO_HIDE,
            content=content,
            reason=f"Reported by {reporters} different people: hidden until a moderator "
            "reviews it.",
            state_before=state,
            state_after=State.HIDDEN,
        )
        _notify(action)
    return flag


# -- Decisions on contributions -------------------------------------------------------------


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
        content.moderation_state = after
        content.save(update_fields=["moderation_state"])
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
        _notify(row)
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
    _notify(row)
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
    _notify(row)
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
    _notify(row)
    return row


# -- Appeals --------------------------------------------------------------------------------


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
            after = content.moderation_state = State.PUBLISHED
            content.save(update_fields=["moderation_state"])
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
    _notify(row)
    return row


# -- Reasons --------------------------------------------------------------------------------


def reason_compose(*, template=None, text: str = "") -> str:
    """A picked reason template's text, then what the moderator wrote, if anything."""
    parts = [template.text.strip() if template else "", (text or "").strip()]
    return "\n\n".join(part for part in parts if part)

"""Moderation's notices: the decision's notification and its e-mail (templates/emails/
moderation-decision-*), sent to the contribution's author, the person suspended or whose
suspension is lifted, or the appellant, in their language. notifications stores the notice
and sends the e-mail (a Celery task with retries, queued when the decision commits)."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from accounts.models import suspended_for_good
from notifications.mailer import Email, register
from notifications.models import Notification
from notifications.services import email_queue, notify

from .models import ModerationAction

DECISION = "moderation.decision"
Action = ModerationAction.Action


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


def notify_decision(action: ModerationAction) -> Notification | None:
    """Tell the author of the decision: a notification now, an e-mail after the commit."""
    user = action.subject_user
    if user is None:
        return None
    appeal_outcome = action.action in (Action.UPHOLD, Action.OVERTURN)
    content = action.content
    # The notification's text is stored: written in the language of the person it is for.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = decision_message(action)
    notification = notify(
        user_id=user.pk,
        kind=Notification.Kind.APPEAL if appeal_outcome else Notification.Kind.DECISION,
        recommendation_id=content.recommendation_id if content is not None else None,
        message=message,
        url=reverse("moderation:decision", args=[action.pk]),
        email=False,  # the decision's own e-mail, below
    )
    email_queue(DECISION, action.pk)  # if the person wants it when it is sent (_decision)
    return notification


@register(DECISION)
def _decision(pk: int) -> Email | None:
    action = (
        ModerationAction.objects.select_related(
            "subject_user", "comment", "amendment", "position", "appeal"
        )
        .filter(pk=pk)
        .first()
    )
    if action is None or action.subject_user is None:
        return None
    person = action.subject_user
    appeal_outcome = action.action in (Action.UPHOLD, Action.OVERTURN)
    wants = person.notify_appeals if appeal_outcome else person.notify_decisions
    if not wants or not person.is_active or person.deleted_at:
        return None  # the preferences as they are when it is sent
    # The subject template words decisions about contributions; this one is about the account.
    lifted = action.action == action.Action.LIFT_SUSPENSION
    # In the language of the person it is for, not of the moderator who decided.
    return Email(
        template="moderation-decision",
        to=person.email,
        language=person.language or settings.LANGUAGE_CODE,
        subject=(lambda: gettext("Your account is no longer suspended")) if lifted else None,
        context=lambda: {
            "action": action,
            "person": person,
            "message": decision_message(action, with_reason=False),
            "suspension": suspension_words(action.suspended_until)
            if action.suspended_until
            else "",
            "link": f"{settings.SITE_URL}{reverse('moderation:decision', args=[action.pk])}",
            "appealable": action.is_appealable,
            "final": action.appeal_id is not None and action.action != action.Action.APPEAL,
            "site_url": settings.SITE_URL,
        },
    )

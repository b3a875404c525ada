"""Immediate notifications: the on-site row, and an e-mail queued when the transaction
commits for those who want one (accounts.User.notify_* preferences).

The dialogue's services call `notify_reply`, `notify_decision`, `notify_accepted` and
`notify_many`; the e-mail task calls `notification_email_send`, which claims it as a digest
is claimed (sent once).
The nav's unread count is kept in the cache (no query per page): set at login and when the
list is read, raised when a notification is created.
"""

from collections.abc import Sequence
from contextlib import suppress

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from consultation.models import Amendment, Comment, ModerationState, Notification

from . import emails, selectors
from .models import NotificationEmail

PREFERENCE = {
    Notification.Kind.REPLY: "notify_replies",
    Notification.Kind.DECISION: "notify_decisions",
    Notification.Kind.APPEAL: "notify_appeals",
    Notification.Kind.WORDING_CHANGE: "notify_wording_changes",
}
UNREAD_TIMEOUT = 24 * 60 * 60


def _unread_key(user_id: int) -> str:
    return f"digests:unread:{user_id}"


def unread_count(user) -> int:
    """The person's unread notifications: from the cache, or one query (then cached)."""
    count = cache.get(_unread_key(user.pk))
    if count is None:
        count = unread_refresh(user)
    return count


def unread_refresh(user) -> int:
    count = Notification.objects.filter(user=user, read_at=None).count()
    cache.set(_unread_key(user.pk), count, UNREAD_TIMEOUT)
    return count


def _unread_raise(user_ids: Sequence[int]) -> None:
    for user_id in user_ids:
        with suppress(ValueError):  # not cached: the next page counts
            cache.incr(_unread_key(user_id))


def notify_many(notifications: Sequence[Notification]) -> list[Notification]:
    """Create the rows (one query) and, on commit, queue an e-mail for each person whose
    preference asks for it (one query per kind)."""
    created = Notification.objects.bulk_create(notifications)
    wanted: list[int] = []
    by_kind: dict[str, list[Notification]] = {}
    for n in created:
        by_kind.setdefault(n.kind, []).append(n)
    for kind, rows in by_kind.items():
        willing = set(
            User.objects.filter(
                pk__in={n.user_id for n in rows},
                is_active=True,
                deleted_at__isnull=True,
                **{PREFERENCE[kind]: True},
            ).values_list("pk", flat=True)
        )
        wanted += [n.pk for n in rows if n.user_id in willing]
    user_ids = [n.user_id for n in created]

    from .tasks import send_notification_email

    transaction.on_commit(lambda: _unread_raise(user_ids))
    for pk in wanted:
        # Queued after the commit; a broker that is down then is logged, never a 500.
        send_notification_email.delay_on_commit(pk)
    return created


def notify(
    *, user_id: int, kind: str, message: str, url: str = "", recommendation_id: int | None = None
) -> Notification:
    return notify_many(
        [
            Notification(
                user_id=user_id,
                kind=kind,
                message=message[:500],
                url=url,
                recommendation_id=recommendation_id,
            )
        ]
    )[0]


def _language_of(user_id: int) -> str:
    """The person's language: a notification's text is written in it, once, when it is
    created (the row keeps the text, not what it was made from)."""
    language = User.objects.filter(pk=user_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def notify_reply(*, comment: Comment) -> Notification | None:
    """Tell a comment's author of a published reply by someone else (call it again when a
    moderator publishes a reply that awaited moderation)."""
    parent = comment.parent
    if (
        parent is None
        or parent.author_id == comment.author_id
        or comment.moderation_state != ModerationState.PUBLISHED
        or Notification.objects.filter(
            user_id=parent.author_id, kind=Notification.Kind.REPLY, url=_comment_path(comment)
        ).exists()
    ):
        return None
    recommendation = comment.recommendation
    with translation.override(_language_of(parent.author_id)):
        message = _("%(author)s replied to your comment on %(reference)s “%(title)s”.") % {
            "author": comment.author.public_name,
            "reference": recommendation.reference,
            "title": recommendation.title,
        }
    return notify(
        user_id=parent.author_id,
        kind=Notification.Kind.REPLY,
        message=message,
        url=_comment_path(comment),
        recommendation_id=recommendation.pk,
    )


def _comment_path(comment: Comment) -> str:
    return comment.get_absolute_url()


def _amendment_path(recommendation, amendment_pk: int) -> str:
    return f"{recommendation.get_absolute_url()}amendments/{amendment_pk}/"


def _decision_row(amendment: Amendment) -> Notification | None:
    """The notification telling an amendment's author that it was accepted or rejected, not
    yet saved; none if they decided it themselves."""
    if amendment.decided_by_id == amendment.author_id:
        return None
    recommendation = amendment.recommendation
    accepted = amendment.status == Amendment.Status.ACCEPTED
    words = {"reference": recommendation.reference, "reason": amendment.decision_reason}
    with translation.override(_language_of(amendment.author_id)):
        if amendment.decision_reason:
            message = (
                _("Your amendment to %(reference)s was accepted: %(reason)s")
                if accepted
                else _("Your amendment to %(reference)s was rejected: %(reason)s")
            ) % words
        else:
            message = (
                _("Your amendment to %(reference)s was accepted")
                if accepted
                else _("Your amendment to %(reference)s was rejected")
            ) % words
    message = message if message.endswith(".") else f"{message}."
    return Notification(
        user_id=amendment.author_id,
        kind=Notification.Kind.DECISION,
        message=message[:500],
        url=_amendment_path(recommendation, amendment.pk),
        recommendation_id=recommendation.pk,
    )


def notify_decision(*, amendment: Amendment) -> Notification | None:
    """Tell an amendment's author that it was accepted or rejected (not if they decided)."""
    row = _decision_row(amendment)
    return notify_many([row])[0] if row is not None else None


def notify_accepted(
    *, amendment: Amendment, outdated: Sequence[tuple[int, int, str]]
) -> list[Notification]:
    """An amendment was accepted: tell its author (as `notify_decision` does) and the author
    of each amendment it made outdated (one notification per amendment), all in one
    `notify_many`, so that the cost does not grow with the number outdated.

    Being outdated is a decision on the author's contribution, though taken by accepting
    another: the preference `notify_decisions` decides the e-mail, and the digest lists it
    with the decisions. `outdated`: (pk, author_id, author's language) of each amendment."""
    decision = _decision_row(amendment)
    rows = [decision] if decision is not None else []
    rows += _outdated_rows(
        amendment.recommendation,
        outdated,
        gettext_lazy(
            "Another amendment to %(reference)s was accepted: yours is now outdated. "
            "Update it onto the new wording or withdraw it."
        ),
    )
    return notify_many(rows) if rows else []


def notify_reworded(
    *, recommendation, outdated: Sequence[tuple[int, int, str]]
) -> list[Notification]:
    """An administrator changed the recommendation's wording: tell the author of each
    amendment that became outdated, as `notify_accepted` does."""
    rows = _outdated_rows(
        recommendation,
        outdated,
        gettext_lazy(
            "The wording of %(reference)s was changed: your amendment is now outdated. "
            "Update it onto the new wording or withdraw it."
        ),
    )
    return notify_many(rows) if rows else []


def _outdated_rows(recommendation, outdated, text) -> list[Notification]:
    rows = []
    for pk, author_id, language in outdated:
        # Written in the author's language, once (the row keeps the text).
        with translation.override(language or settings.LANGUAGE_CODE):
            message = str(text) % {"reference": recommendation.reference}
        rows.append(
            Notification(
                user_id=author_id,
                kind=Notification.Kind.DECISION,
                recommendation_id=recommendation.pk,
                message=message[:500],
                url=_amendment_path(recommendation, pk),
            )
        )
    return rows


def mark_read(*, user: User, pks: Sequence[int] | None = None) -> int:
    from consultation.services import notification_mark_read

    marked = notification_mark_read(user=user, pks=pks)
    unread_refresh(user)
    return marked


# -- The e-mail ------------------------------------------------------------------------------


def _claim(notification_id: int) -> NotificationEmail | None:
    now = timezone.now()
    try:
        with transaction.atomic():
            return NotificationEmail.objects.create(
                notification_id=notification_id, claimed_at=now, attempts=1
            )
    except IntegrityError:
        pass
    stale = now - selectors.claim_stale_after()
    taken = (
        NotificationEmail.objects.filter(
            notification_id=notification_id, status=NotificationEmail.Status.CLAIMED
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    return NotificationEmail.objects.get(notification_id=notification_id) if taken else None


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's e-mail, once. Returns what happened. A temporary failure
    releases the claim and is raised again, for the task to retry."""
    from .services import is_permanent, max_attempts

    notification = (
        Notification.objects.select_related("user", "recommendation__consultation")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None:
        return "gone"
    user = notification.user
    if (
        not user.is_active
        or user.deleted_at
        or not getattr(user, PREFERENCE.get(notification.kind, ""), False)
    ):
        NotificationEmail.objects.get_or_create(
            notification=notification, defaults={"status": NotificationEmail.Status.SKIPPED}
        )
        return "skipped"
    delivery = _claim(notification.pk)
    if delivery is None:
        return "taken"
    try:
        emails.send_notification(notification=notification)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if is_permanent(exc) or delivery.attempts >= max_attempts():
            NotificationEmail.objects.filter(pk=delivery.pk).update(
                status=NotificationEmail.Status.FAILED, error=error
            )
            return "failed"
        # Released for the task's retry (SEND_ERRORS are temporary: is_permanent said so).
        NotificationEmail.objects.filter(pk=delivery.pk).update(claimed_at=None, error=error)
        raise
    NotificationEmail.objects.filter(pk=delivery.pk).update(
        status=NotificationEmail.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"

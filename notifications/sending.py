"""Sending one notification's e-mail, once: claimed as a digest is claimed, released for the
task's retry on a temporary failure, recorded as failed (in the admin) on a permanent one."""

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import delivery, emails
from .models import Notification, NotificationEmail

PREFERENCE = {
    Notification.Kind.REPLY: "notify_replies",
    Notification.Kind.DECISION: "notify_decisions",
    Notification.Kind.APPEAL: "notify_appeals",
    Notification.Kind.WORDING_CHANGE: "notify_wording_changes",
}


def _claim(notification_id: int) -> NotificationEmail | None:
    now = timezone.now()
    try:
        with transaction.atomic():
            return NotificationEmail.objects.create(
                notification_id=notification_id, claimed_at=now, attempts=1
            )
    except IntegrityError:
        pass
    stale = now - delivery.claim_stale_after()
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
    claim = _claim(notification.pk)
    if claim is None:
        return "taken"
    try:
        emails.send_notification(notification=notification)
    except Exception as exc:
        error = delivery.error_text(exc)
        if delivery.is_permanent(exc) or claim.attempts >= delivery.max_attempts():
            NotificationEmail.objects.filter(pk=claim.pk).update(
                status=NotificationEmail.Status.FAILED, error=error
            )
            return "failed"
        # Released for the task's retry (SEND_ERRORS are temporary: is_permanent said so).
        NotificationEmail.objects.filter(pk=claim.pk).update(claimed_at=None, error=error)
        raise
    NotificationEmail.objects.filter(pk=claim.pk).update(
        status=NotificationEmail.Status.SENT, sent_at=timezone.now(), error=""
    )
    return "sent"

"""One notification's e-mail, as the outbox delivers it: sent if the person wants it when it
is sent (their notify_* preferences, read then, not when it was queued), and recorded on the
notification (NotificationEmail: sent or failed, for the admin and "Download my data")."""

from django.utils import timezone

from . import emails
from .models import Notification, NotificationEmail

PREFERENCE = {
    Notification.Kind.REPLY: "notify_replies",
    Notification.Kind.DECISION: "notify_decisions",
    Notification.Kind.APPEAL: "notify_appeals",
    Notification.Kind.WORDING_CHANGE: "notify_wording_changes",
}


def notification_email_send(*, notification_id: int, headers: dict[str, str]) -> str:
    """Send one notification's e-mail now, if still wanted: "sent", "skipped" or "gone".
    Raises the sending's error (the outbox retries or records it)."""
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
        return "skipped"
    emails.send_notification(notification=notification, headers=headers)
    notification_email_record(notification_id=notification_id, status="sent")
    return "sent"


def notification_email_record(*, notification_id: int, status: str, error: str = "") -> None:
    now = timezone.now()
    NotificationEmail.objects.update_or_create(
        notification_id=notification_id,
        defaults={
            "status": status,
            "error": error,
            "claimed_at": now,
            "sent_at": now if status == NotificationEmail.Status.SENT else None,
        },
    )

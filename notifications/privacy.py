"""What the notifications hold about a person: their notices, and whether (and when) each
was also e-mailed. Deleting the account deletes them (no one else sees them)."""

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist

from core import privacy

from .models import Notification


def _emailed_at(notification) -> datetime | None:
    try:
        delivery = notification.email_delivery
    except (AttributeError, ObjectDoesNotExist):
        return None
    return delivery.sent_at


def _export(user) -> dict:
    notifications = (
        Notification.objects.filter(user=user)
        .select_related("email_delivery")
        .order_by("created_at", "pk")
    )
    return {
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
        ]
    }


def _erase(user) -> None:
    Notification.objects.filter(user=user).delete()


privacy.register(
    models=["notifications.Notification", "notifications.NotificationEmail"],
    export=_export,
    erase=_erase,
)

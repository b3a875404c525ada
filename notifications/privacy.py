"""What the notifications hold about a person: their notices, and whether (and when) each
was also e-mailed. Deleting the account deletes them (no one else sees them), cancels the
messages still waiting to go to their addresses, and takes their addresses out of the mail
server's errors kept for the admin."""

from datetime import datetime

from django.core.exceptions import ObjectDoesNotExist

from core import privacy

from .models import FailedEmail, Notification, Outbox
from .outbox import RENDERED

# In place of an address or a name taken out of an error.
ELLIPSIS = "…"


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


def _forget(user, names, addresses) -> None:
    # A message rendered whole (allauth's: a confirmation, a password reset, a sign-in code)
    # and not sent yet holds the address (and maybe the name): cancelled, its text dropped.
    # The others are built when they are sent, and their builders send nothing to a deleted
    # account (sending.py, each app's notices.py).
    waiting = Outbox.objects.filter(
        name=RENDERED, status__in=[Outbox.Status.PENDING, Outbox.Status.CLAIMED]
    )
    cancelled = [
        row.pk
        for row in waiting.only("pk", "payload")
        if privacy.names_any(str(row.payload), addresses)
    ]
    Outbox.objects.filter(pk__in=cancelled).update(
        status=Outbox.Status.CANCELLED, payload={}, claimed_at=None
    )
    # A refusal quotes the address it refused (SMTPRecipientsRefused): the error stays,
    # without it.
    for model in (Outbox, FailedEmail):
        privacy.rows_unname(model.objects.all(), ["error"], addresses, ELLIPSIS)


privacy.register(
    models=["notifications.Notification", "notifications.NotificationEmail"],
    export=_export,
    erase=_erase,
    forget=_forget,
)

"""The on-site notifications and the record of each one's e-mail. Both moved here from
consultation and digests with their tables (db_table kept: the move changed no data)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from recommendations.models import Recommendation


class DeliveryStatus(models.TextChoices):
    CLAIMED = "claimed", _("Claimed (being sent)")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (nothing new)")


class Notification(models.Model):
    """An on-site notification; the e-mail, if the person wants one, is sent separately."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply to my comment")
        DECISION = "decision", _("Decision on my contribution")
        APPEAL = "appeal", _("Outcome of my appeal")
        WORDING_CHANGE = "wording_change", _("New wording of a recommendation I took a position on")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recommendation = models.ForeignKey(
        Recommendation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.CharField(max_length=500)
    # Who the text names (a reply's author), if anyone: their erasure rewrites the text
    # (consultation.privacy), so that no one's notifications keep a deleted person's name.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "consultation_notification"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="consultatio_user_id_8aac6d_idx")]

    def __str__(self):
        return f"{self.kind} for {self.user_id}"


class NotificationEmail(models.Model):
    """The e-mail of one notification, claimed as a digest is: sent at most once."""

    Status = DeliveryStatus

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email_delivery"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.CLAIMED
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "digests_notificationemail"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="digests_not_created_bbb3f5_idx")]

    def __str__(self):
        return f"E-mail of notification {self.notification_id}"


class FailedEmail(models.Model):
    """An e-mail given up on: the address refused, a permanent error, or the last retry's
    temporary one. The change that caused it stands; the admin shows what was not sent."""

    name = models.CharField(max_length=60, help_text=_("The e-mail's registered name."))
    object_pk = models.BigIntegerField(help_text=_("The primary key it was built from."))
    error = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} #{self.object_pk}"


class Outbox(models.Model):
    """One message to deliver (an event, to one recipient, on one channel), written in the
    transaction of the change that causes it: committed with the change or not at all. A task
    queued after the commit delivers it; if that task is never queued (the broker down) or its
    worker dies, the sweep (beat, every minute, and each worker's start) does. The unique key
    makes the same event queue it once; the claim makes one worker send it, once."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outbox status", "Pending")
        CLAIMED = "claimed", _("Claimed (being sent)")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (not wanted, or nothing to send)")
        FAILED = "failed", _("Failed")
        # Its recipient deleted their account before it went out: never sent.
        CANCELLED = "cancelled", _("Cancelled (the account was deleted)")

    class Channel(models.TextChoices):
        EMAIL = "email", pgettext_lazy("outbox channel", "E-mail")

    key = models.CharField(max_length=200, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    name = models.CharField(max_length=60, help_text=_("The e-mail's registered name."))
    object_pk = models.BigIntegerField(help_text=_("The primary key it was built from."))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Not before (a retry's backoff; or a sweep's hand-over to a task, for the lease).
    available_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set before the first hand-off to the mail server and kept for every retry: a message
    # sent twice (a crash between the hand-off and the record) carries the same Message-ID.
    message_id = models.CharField(max_length=255, blank=True)
    # A message rendered elsewhere, whole (allauth's account e-mails: their one-time links and
    # codes exist nowhere else); emptied once it is settled.
    payload = models.JSONField(default=dict, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outbox message")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "available_at"], name="outbox_due_idx"),
            # The purge's (outbox.outbox_purge) oldest rows first, and the admin's order.
            models.Index(fields=["created_at"], name="outbox_created_idx"),
        ]

    def __str__(self):
        return self.key

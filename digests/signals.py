"""The history of recommendations' statuses, which the digests report (a status that a save
changes is recorded: the seed importer and the admin save recommendations one by one), and
the unread count of notifications, counted at login for the nav."""

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from consultation.models import Notification
from recommendations.models import Recommendation

from .models import RecommendationStatusChange


@receiver(pre_save, sender=Recommendation, dispatch_uid="digests_status_before")
def _remember_status(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._digests_old_status = None
    if raw or instance.pk is None or (update_fields is not None and "status" not in update_fields):
        return  # a fixture, a new recommendation, or a save that leaves the status alone
    instance._digests_old_status = (
        Recommendation.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    )


@receiver(post_save, sender=Recommendation, dispatch_uid="digests_status_after")
def _record_status_change(sender, instance, created=False, raw=False, **kwargs):
    old = getattr(instance, "_digests_old_status", None)
    instance._digests_old_status = None
    if raw or created or old is None or old == instance.status:
        return
    RecommendationStatusChange.objects.create(
        recommendation=instance, old_status=old, new_status=instance.status
    )


@receiver(user_logged_in, dispatch_uid="digests_unread_count_at_login")
def _count_unread_at_login(sender, request, user, **kwargs):
    """Count the unread notifications once, at login: the nav reads the count from the cache."""
    from .notifications import unread_refresh

    unread_refresh(user)


@receiver(post_save, sender=Notification, dispatch_uid="digests_unread_count_on_create")
def _count_new_notification(sender, instance, created=False, raw=False, **kwargs):
    """A notification created one by one, by any app (moderation's decisions): the nav's count
    goes up when it commits. (notify_many's bulk_create raises the count itself.)"""
    if created and not raw:
        from .notifications import _unread_raise

        transaction.on_commit(lambda: _unread_raise([instance.user_id]))

"""The history of recommendations' statuses, which the digests report (a status that a save
changes is recorded: the seed importer and the admin save recommendations one by one)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

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

"""What the dialogue does when the catalogue below it changes (recommendations.signals)."""

from django.dispatch import receiver

from recommendations.signals import wording_changed

from . import notices, services


@receiver(wording_changed, dispatch_uid="consultation_wording_changed")
def _follow_new_wording(sender, recommendation, version, **kwargs):
    """An administrator reworded a recommendation: the amendments on the older wording are
    outdated and their authors told; the position holders are asked to confirm."""
    outdated = services.wording_followups(recommendation=recommendation, version=version)
    if outdated:
        notices.notify_reworded(recommendation=recommendation, outdated=outdated)

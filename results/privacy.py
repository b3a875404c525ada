"""What the results hold about a person: which opinion group they fall in (shown to them
only). Deleting the account deletes it; the next run places no one in it."""

from core import privacy

from .models import OpinionMembership


def _export(user) -> dict:
    memberships = (
        OpinionMembership.objects.filter(user=user)
        .select_related("consultation")
        .order_by("consultation_id", "pk")
    )
    return {
        "opinion_groups": [
            {"consultation": m.consultation.slug, "group": m.label} for m in memberships
        ]
    }


def _erase(user) -> None:
    OpinionMembership.objects.filter(user=user).delete()


privacy.register(models=["results.OpinionMembership"], export=_export, erase=_erase)

"""What the results hold about a person: which opinion group they fall in (shown to them
only). Deleting the account deletes it; the next run places no one in it. The reports made
as PDF of the consultations they took part in quote them by name: those are deleted too (the
next request makes them again, naming "Former participant")."""

from consultation.models import Amendment, Comment, Position
from core import privacy

from .models import OpinionMembership, ReportExport


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
    consultations = set()
    for model in (Comment, Position, Amendment):
        consultations.update(
            model.objects.filter(author=user)
            .values_list("recommendation__consultation_id", flat=True)
            .distinct()
        )
    # The ones being made now read the contributions before the deletion: gone too, and
    # their pages say so (their worker finds nothing to finish).
    ReportExport.objects.filter(consultation_id__in=consultations).delete()


privacy.register(models=["results.OpinionMembership"], export=_export, erase=_erase)

"""What responses holds about a person: the organisers' responses and implementation updates
they drafted, reviewed or wrote, as members of the consultation team. These are the
consultation's public record: deleting the account keeps them (PROTECT), under the account's
anonymised name."""

from django.db.models import Q

from core import privacy
from recommendations.privacy import recommendation_ref

from .models import ImplementationUpdate, Response, ResponseRevision


def _export(user) -> dict:
    responses = (
        Response.objects.filter(Q(drafted_by=user) | Q(reviewed_by=user))
        .select_related("recommendation__consultation", "status")
        .order_by("created_at", "pk")
    )
    revisions = ResponseRevision.objects.filter(author=user).order_by("created_at", "pk")
    updates = (
        ImplementationUpdate.objects.filter(author=user)
        .select_related("recommendation__consultation")
        .order_by("created_at", "pk")
    )
    return {
        "responses_drafted_or_reviewed": [
            {
                "recommendation": recommendation_ref(r.recommendation),
                "status": r.status.name,
                "revision": r.revision,
                "drafted": r.drafted_by_id == user.pk,
                "reviewed": r.reviewed_by_id == user.pk,
                "published_at": r.published_at,
            }
            for r in responses
        ],
        "response_revisions_written": [
            {"response": v.response_id, "created_at": v.created_at} for v in revisions
        ],
        "implementation_updates": [
            {
                "recommendation": recommendation_ref(u.recommendation),
                "status": u.status,
                "text": u.text,
                "created_at": u.created_at,
            }
            for u in updates
        ],
    }


privacy.register(
    models=["responses.Response", "responses.ResponseRevision", "responses.ImplementationUpdate"],
    export=_export,
)

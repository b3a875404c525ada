"""What the catalogue holds about a person: the wordings credited to them (their accepted
amendments, or their changes as an admin). They stay when the account is deleted (the
wording's history), credited to "Former participant"."""

from django.conf import settings

from core import privacy

from .models import RecommendationVersion


def recommendation_ref(recommendation) -> dict[str, str]:
    """How the download names a recommendation (every app's part uses it)."""
    return {
        "consultation": recommendation.consultation.slug,
        "reference": recommendation.reference,
        "title": recommendation.title,
        "url": settings.SITE_URL + recommendation.get_absolute_url(),
    }


def _export(user) -> dict:
    wordings = (
        RecommendationVersion.objects.filter(author=user)
        .select_related("recommendation__consultation")
        .order_by("created_at", "pk")
    )
    return {
        "wordings_credited": [
            {
                "recommendation": recommendation_ref(v.recommendation),
                "version": v.number,
                "title": v.title,
                "body": v.body,
                "reason": v.reason,
                "created_at": v.created_at,
            }
            for v in wordings
        ]
    }


privacy.register(models=["recommendations.RecommendationVersion"], export=_export)

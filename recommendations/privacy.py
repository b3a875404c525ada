"""What the catalogue holds about a person: the seed files they imported, and the wordings
credited to them (their accepted amendments, or their changes as an admin). They stay when
the account is deleted (the wording's history), credited to "Former participant"."""

from django.conf import settings

from core import privacy

from .models import RecommendationVersion, SeedImport


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
    imports = SeedImport.objects.filter(imported_by=user).order_by("imported_at", "pk")
    return {
        "seed_imports_run": [
            {"file_name": i.file_name, "content_hash": i.content_hash, "imported_at": i.imported_at}
            for i in imports
        ],
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
        ],
    }


privacy.register(
    models=["recommendations.RecommendationVersion", "recommendations.SeedImport"], export=_export
)

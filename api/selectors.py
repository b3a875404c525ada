"""Reads the API adds to the apps' own selectors. Each costs a fixed number of queries."""

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import stakeholder_group_label
from consultation.models import Amendment, Comment, ModerationState, Position
from notifications.models import Notification
from recommendations.models import (
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Recommendation,
)
from responses.selectors import response_statuses_by_recommendation

from .models import ApiToken

ENDORSING = (Position.Stance.ENDORSE, Position.Stance.RESERVATIONS)
PUBLISHED = ModerationState.PUBLISHED


def _counted_positions(qs: QuerySet[Position]) -> QuerySet[Position]:
    """The positions the pages count: the published ones (consultation.selectors does the same
    per recommendation)."""
    qs = qs.filter(moderation_state=PUBLISHED)
    if not getattr(settings, "DELETED_ACCOUNTS_KEEP_POSITIONS", True):
        qs = qs.filter(author__deleted_at__isnull=True)
    return qs


def _count(qs: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of `qs` (filtered on OuterRef), as an annotation."""
    counted = qs.order_by().values("recommendation").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def recommendation_annotate(qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """The public counts the list shows and orders by (published contributions only):
    subqueries, so the joins do not multiply."""
    positions = _counted_positions(Position.objects.filter(recommendation=OuterRef("pk")))
    return qs.annotate(
        position_count=_count(positions),
        endorsement_count=_count(positions.filter(stance__in=ENDORSING)),
        comment_count=_count(
            Comment.objects.filter(
                recommendation=OuterRef("pk"), deleted_at__isnull=True, moderation_state=PUBLISHED
            )
        ),
        amendment_count=_count(
            Amendment.objects.filter(recommendation=OuterRef("pk"), moderation_state=PUBLISHED)
        ),
    )


def challenge_list(*, consultation: Consultation) -> QuerySet[Challenge]:
    return (
        Challenge.objects.filter(consultation=consultation)
        .select_related("pillar", "imported_from")
        .prefetch_related(
            Prefetch(
                "challengeadvocate_set",
                queryset=ChallengeAdvocate.objects.select_related("advocate").order_by("position"),
                to_attr="attributions",
            )
        )
        .order_by("pillar__position", "position", "code")
    )


def consultation_results(*, consultation: Consultation) -> dict:
    """Positions on each recommendation by stakeholder group, and its published response's
    status, for the open-data export. Three queries: the recommendations, the counts, the
    responses."""
    stances = list(Position.Stance.values)
    recommendations = list(
        Recommendation.objects.filter(consultation=consultation)
        .select_related("pillar")
        .order_by("pillar__position", "position", "reference")
    )
    rows = (
        _counted_positions(Position.objects.filter(recommendation__consultation=consultation))
        .values(
            "recommendation_id",
            "author__stakeholder_group__name",
            "author__stakeholder_group__position",
            "stance",
        )
        .annotate(n=Count("pk"))
        .order_by("recommendation_id", "author__stakeholder_group__position")
    )
    groups: dict[int, dict[str, dict[str, int]]] = {}
    for row in rows:
        by_group = groups.setdefault(row["recommendation_id"], {})
        name = stakeholder_group_label(row["author__stakeholder_group__name"])
        by_group.setdefault(name, dict.fromkeys(stances, 0))[row["stance"]] = row["n"]
    responded = response_statuses_by_recommendation(consultation=consultation)
    results = []
    for recommendation in recommendations:
        by_group = groups.get(recommendation.pk, {})
        totals = dict.fromkeys(stances, 0)
        for counts in by_group.values():
            for stance, n in counts.items():
                totals[stance] += n
        results.append(
            {
                "reference": recommendation.reference,
                "pillar": recommendation.pillar.code,
                "title": recommendation.title,
                "status": recommendation.status,
                "response_status": responded.get(recommendation.pk),
                "totals": totals,
                "total": sum(totals.values()),
                "groups": [
                    {"group": name, "counts": counts, "total": sum(counts.values())}
                    for name, counts in by_group.items()
                ],
            }
        )
    return {
        "consultation": consultation.slug,
        "title": consultation.title,
        "generated_at": timezone.now(),
        "stances": stances,
        "recommendations": results,
    }


def notification_list(*, user) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(user=user)
        .select_related("recommendation")
        .order_by("-created_at", "-pk")
    )


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """Active tokens first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-pk"
    )

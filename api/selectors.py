"""Reads the API adds to the apps' own selectors. Each costs a fixed number of queries."""

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import stakeholder_group_label
from consultation.counting import stance_counts_by_group
from consultation.models import Position
from notifications.models import Notification
from recommendations.models import (
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
)
from recommendations.selectors import consultation_list_visible
from responses.selectors import response_statuses_by_recommendation

from .models import ApiToken


def recommendation_annotate(qs: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    """The public counts the list shows and orders by (what consultation.counting counts),
    read from the recommendation's summary row (one LEFT JOIN, no count per request)."""
    return qs.annotate(
        position_count=Coalesce(F("counts__positions"), 0),
        endorsement_count=Coalesce(F("counts__endorsements"), 0),
        comment_count=Coalesce(F("counts__comments"), 0),
        amendment_count=Coalesce(F("counts__amendments"), 0),
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
    status, for the open-data export. Three queries: the recommendations, the counts (the
    summary), the responses."""
    stances = list(Position.Stance.values)
    recommendations = list(
        Recommendation.objects.filter(consultation=consultation)
        .annotate(comment_count=Coalesce(F("counts__comments"), 0))
        .select_related("pillar")
        .order_by("pillar__position", "position", "reference")
    )
    rows = stance_counts_by_group(recommendation__consultation=consultation)
    groups: dict[int, dict[str, dict[str, int]]] = {}
    for row in rows:
        by_group = groups.setdefault(row["recommendation_id"], {})
        name = stakeholder_group_label(row["group_name"])
        by_group.setdefault(name, dict.fromkeys(stances, 0))[row["stance"]] += row["n"]
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
                "comment_count": recommendation.comment_count,
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


def pillars_by_code(*, user, references: list[tuple[str, str]]) -> dict[tuple[str, str], Pillar]:
    """The pillars named (consultation slug, pillar code), as the API names them, in the
    consultations `user` may see, by their names (one query; a name not found is left out)."""
    if not references:
        return {}
    named = Q()
    for slug, code in references:
        named |= Q(consultation__slug=slug, code=code)
    pillars = Pillar.objects.filter(named, consultation__in=consultation_list_visible(user=user))
    return {(p.consultation.slug, p.code): p for p in pillars.select_related("consultation")}

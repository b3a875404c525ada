"""Reads. Each returns a queryset whose cost does not grow with the data it shows."""

from django.core.cache import cache
from django.db.models import Case, Count, Prefetch, QuerySet, Value, When, prefetch_related_objects
from django.http import Http404

from .filters import RecommendationFilter
from .models import (
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
)

# The scope (core.versioning) of everything this app holds: the fragments of its pages that
# show the catalogue are keyed by its version.
CATALOGUE = "recommendations:catalogue"


def consultation_list_visible(*, user) -> QuerySet[Consultation]:
    qs = Consultation.objects.all()
    if not user.is_staff:
        qs = qs.exclude(state=Consultation.State.DRAFT)
    return qs


NAV_CONSULTATION_KEY = "recommendations:nav-consultation"
NAV_CONSULTATION_SECONDS = 60


def nav_consultation() -> dict | None:
    """The consultation the nav's "Recommendations" and "Results" lead to on pages about no
    consultation in particular (home, profiles, notifications, preferences): an open one
    before a closed one, the latest first; never a draft. Its slug and title, kept a minute
    in the cache, so those pages cost no query for it."""
    found = cache.get(NAV_CONSULTATION_KEY)
    if found is None:
        found = (
            Consultation.objects.exclude(state=Consultation.State.DRAFT)
            .order_by(
                Case(When(state=Consultation.State.OPEN, then=Value(0)), default=Value(1)),
                *Consultation._meta.ordering,
            )
            .values("slug", "title")
            .first()
        ) or {}
        cache.set(NAV_CONSULTATION_KEY, found, NAV_CONSULTATION_SECONDS)
    return found or None


def consultation_get_visible(*, user, slug: str) -> Consultation:
    """The consultation, or 404 to anyone who may not see it (drafts are staff-only)."""
    try:
        return consultation_list_visible(user=user).get(slug=slug)
    except Consultation.DoesNotExist:
        raise Http404("No such consultation.") from None


def _attributions(model, owner: str) -> Prefetch:
    return Prefetch(
        f"{owner}advocate_set",
        queryset=model.objects.select_related("advocate").order_by("position"),
        to_attr="attributions",
    )


def recommendation_list(*, consultation: Consultation, filters: dict | None = None):
    """The consultation's recommendations after the filters; returns (filterset, queryset)."""
    base = (
        Recommendation.objects.filter(consultation=consultation)
        .select_related("pillar")
        .prefetch_related(_attributions(RecommendationAdvocate, "recommendation"))
        .order_by("pillar__position", "position", "reference")
    )
    filterset = RecommendationFilter(filters or {}, queryset=base, consultation=consultation)
    qs = filterset.qs if filterset.is_valid() else base.none()
    return filterset, qs


def _in_full() -> list:
    """What a recommendation's page shows of it besides its own row: its advocates (as
    `.attributions`), challenges and versions with their authors."""
    return [
        _attributions(RecommendationAdvocate, "recommendation"),
        Prefetch(
            "challenges", queryset=Challenge.objects.select_related("pillar").order_by("position")
        ),
        "versions__author",
    ]


def recommendation_get(
    *, consultation: Consultation, reference: str, in_full: bool = True
) -> Recommendation:
    """The recommendation (its consultation set: no query for it) with its pillar and, unless
    `in_full` is false (`recommendation_in_full` reads them later), what `_in_full` says."""
    qs = Recommendation.objects.filter(consultation=consultation, reference=reference)
    qs = qs.select_related("pillar", "imported_from")
    if in_full:
        qs = qs.prefetch_related(*_in_full())
    try:
        recommendation = qs.get()
    except Recommendation.DoesNotExist:
        raise Http404("No such recommendation.") from None
    recommendation.consultation = consultation
    return recommendation


def recommendation_in_full(recommendation: Recommendation) -> Recommendation:
    """The recommendation with what `_in_full` says (three queries, once)."""
    prefetch_related_objects([recommendation], *_in_full())
    return recommendation


def challenge_get(*, consultation: Consultation, code: str) -> Challenge:
    """A challenge with its passage's provenance and the recommendations answering it."""
    qs = (
        Challenge.objects.filter(consultation=consultation, code=code)
        .select_related("pillar", "imported_from")
        .prefetch_related(
            _attributions(ChallengeAdvocate, "challenge"),
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("pillar")
                .order_by("pillar__position", "position")
                .prefetch_related(_attributions(RecommendationAdvocate, "recommendation")),
            ),
        )
    )
    try:
        return qs.get()
    except Challenge.DoesNotExist:
        raise Http404("No such challenge.") from None


def pillar_list(*, consultation: Consultation) -> QuerySet[Pillar]:
    return consultation.pillars.annotate(
        recommendation_count=Count("recommendations", distinct=True),
        challenge_count=Count("challenges", distinct=True),
    ).order_by("position")


def pillar_get(*, consultation: Consultation, code: str) -> Pillar:
    qs = consultation.pillars.prefetch_related(
        Prefetch(
            "challenges",
            queryset=Challenge.objects.order_by("position").prefetch_related(
                _attributions(ChallengeAdvocate, "challenge")
            ),
        ),
        Prefetch(
            "recommendations",
            queryset=Recommendation.objects.order_by("position").prefetch_related(
                _attributions(RecommendationAdvocate, "recommendation")
            ),
        ),
    )
    try:
        return qs.get(code=code)
    except Pillar.DoesNotExist:
        raise Http404("No such pillar.") from None

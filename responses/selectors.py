"""Reads of responses for the pages and the API: each a fixed number of queries, whatever the
number of recommendations or contributions."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from consultation.models import Amendment, ModerationState
from consultation.visibility import public_comments
from recommendations.models import Consultation, Pillar, Recommendation

from .models import (
    ImplementationUpdate,
    Response,
    ResponseCitation,
    ResponseRevision,
    ResponseStatus,
)
from .rules import is_team_member


def response_list_visible(*, user, consultation: Consultation | None = None) -> QuerySet[Response]:
    """Published responses for everyone; the team sees drafts and reviewed ones too."""
    rows = Response.objects.select_related("status", "recommendation__pillar")
    if consultation is not None:
        rows = rows.filter(recommendation__consultation=consultation)
    if not is_team_member(user):
        rows = rows.filter(state=Response.State.PUBLISHED)
    return rows


def _citations() -> Prefetch:
    return Prefetch(
        "citations",
        queryset=ResponseCitation.objects.select_related("comment__author", "amendment__author"),
    )


def response_for_page(*, recommendation: Recommendation, user) -> Response | None:
    """The recommendation's response as the reader may see it, with its citations and its
    corrections (three queries), or None."""
    response = (
        response_list_visible(user=user)
        .filter(recommendation=recommendation)
        .select_related("drafted_by", "reviewed_by", "version")
        .prefetch_related(
            _citations(),
            Prefetch(
                "revisions",
                queryset=ResponseRevision.objects.filter(kind=ResponseRevision.Kind.CORRECTION),
                to_attr="corrections",
            ),
        )
        .first()
    )
    return response


def implementation_updates(*, recommendation: Recommendation) -> QuerySet[ImplementationUpdate]:
    """The recommendation's implementation updates, newest first (the API pages them)."""
    return recommendation.implementation_updates.select_related("author")


def implementation_timeline(*, recommendation: Recommendation) -> list[ImplementationUpdate]:
    return list(implementation_updates(recommendation=recommendation))


def statuses_of(*, consultation: Consultation) -> list[ResponseStatus]:
    return list(ResponseStatus.objects.filter(consultation=consultation))


def citable_contributions(*, recommendation: Recommendation) -> tuple[list, list]:
    """The published comments and amendments the team may cite (two queries)."""
    comments = list(
        public_comments().filter(recommendation=recommendation).select_related("author")
    )
    amendments = list(
        Amendment.objects.filter(
            recommendation=recommendation, moderation_state=ModerationState.PUBLISHED
        ).select_related("author")
    )
    return comments, amendments


@dataclass
class PillarResponses:
    pillar: Pillar
    entries: list = field(default_factory=list)  # (recommendation, response or None)


@dataclass
class YouSaidWeDid:
    consultation: Consultation
    pillars: list[PillarResponses]
    counts: list[tuple[ResponseStatus, int]]
    awaiting: int
    total: int


def you_said_we_did(*, consultation: Consultation, status: str | None = None) -> YouSaidWeDid:
    """Every recommendation by pillar with its published response (or none yet), and how
    many responses have each status. Three queries: pillars, recommendations with their
    responses, statuses."""
    recommendations = list(
        Recommendation.objects.filter(consultation=consultation)
        .select_related("response__status")
        .only(
            "reference",
            "title",
            "pillar_id",
            "consultation_id",
            "position",
            "response__state",
            "response__text_html",
            "response__published_at",
            "response__corrected_at",
            "response__sample",
            "response__status__code",
            "response__status__label",
            "response__status__position",
        )
        .order_by("pillar__position", "position", "reference")
    )
    pillars = {p.pk: PillarResponses(p) for p in consultation.pillars.order_by("position", "code")}
    statuses = statuses_of(consultation=consultation)
    counts: Counter = Counter()
    awaiting = 0
    for recommendation in recommendations:
        response = getattr(recommendation, "response", None)
        if response is not None and not response.is_published:
            response = None
        if response is None:
            awaiting += 1
        else:
            counts[response.status_id] += 1
        if status and (response is None or response.status.code != status):
            continue
        pillars[recommendation.pillar_id].entries.append((recommendation, response))
    return YouSaidWeDid(
        consultation=consultation,
        pillars=[p for p in pillars.values() if p.entries],
        counts=[(s, counts[s.pk]) for s in statuses],
        awaiting=awaiting,
        total=len(recommendations),
    )


def response_statuses_by_recommendation(*, consultation: Consultation) -> dict[int, str]:
    """Each recommendation's published response status code (one query), for the exports."""
    return dict(
        Response.objects.filter(
            recommendation__consultation=consultation, state=Response.State.PUBLISHED
        ).values_list("recommendation_id", "status__code")
    )

"""The "My contributions" page: each of a person's comments, amendments and positions with
what became of it. The page of contributions is the profile's own (consultation.selectors,
five queries at most); what became of them costs four more, whatever the page holds."""

from dataclasses import dataclass, field

from django.db.models import Max

from consultation.models import Amendment, Comment, Position
from consultation.selectors import person_contributions
from recommendations.models import RecommendationVersion

from .models import Response, ResponseCitation


@dataclass
class Fate:
    """What became of one contribution."""

    contribution: object
    kind: str
    cited_in: list[Response] = field(default_factory=list)
    response: Response | None = None  # the recommendation's published response
    wording_changed: bool = False  # a position taken on wording since replaced

    @property
    def amendment_decided(self) -> bool:
        return self.kind == "amendment" and self.contribution.status in (
            Amendment.Status.ACCEPTED,
            Amendment.Status.REJECTED,
        )


def _kind(row) -> str:
    if isinstance(row, Comment):
        return "comment"
    return "amendment" if isinstance(row, Amendment) else "position"


def my_contributions(*, user, page=1):
    """A page of the person's contributions (newest first), each as a Fate."""
    # The request's user is a lazy proxy; the profile's selector asks its real class.
    user = getattr(user, "_wrapped", user) if user.pk else user
    result = person_contributions(person=user, viewer=user, page=page)
    rows = list(result.object_list)
    fates = [Fate(contribution=row, kind=_kind(row)) for row in rows]
    recommendation_ids = {row.recommendation_id for row in rows}
    # 1: the published responses citing any of them.
    cited = ResponseCitation.objects.filter(response__state=Response.State.PUBLISHED).filter(
        comment__in=[f.contribution.pk for f in fates if f.kind == "comment"]
    ) | ResponseCitation.objects.filter(response__state=Response.State.PUBLISHED).filter(
        amendment__in=[f.contribution.pk for f in fates if f.kind == "amendment"]
    )
    by_contribution: dict[tuple[str, int], list[Response]] = {}
    cited = cited.select_related("response__status", "response__recommendation__consultation")
    for citation in cited:
        key = (
            ("comment", citation.comment_id)
            if citation.comment_id
            else (
                "amendment",
                citation.amendment_id,
            )
        )
        by_contribution.setdefault(key, []).append(citation.response)
    # 2: the recommendations' published responses.
    responses = {
        r.recommendation_id: r
        for r in Response.objects.filter(
            recommendation__in=recommendation_ids, state=Response.State.PUBLISHED
        ).select_related("status")
    }
    # 3: the latest version of each recommendation against the positions' own.
    latest = dict(
        RecommendationVersion.objects.filter(recommendation__in=recommendation_ids)
        .values("recommendation")
        .annotate(n=Max("number"))
        .values_list("recommendation", "n")
    )
    position_versions = dict(
        Position.objects.filter(
            pk__in=[f.contribution.pk for f in fates if f.kind == "position"]
        ).values_list("pk", "version__number")
    )
    for fate in fates:
        row = fate.contribution
        fate.cited_in = by_contribution.get((fate.kind, row.pk), [])
        fate.response = responses.get(row.recommendation_id)
        if fate.kind == "position":
            fate.wording_changed = position_versions.get(row.pk, 0) < latest.get(
                row.recommendation_id, 0
            )
    result.fates = fates
    return result

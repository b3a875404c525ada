"""The synopsis report of a closed consultation: who took part and when, what each
recommendation said before and after with the word diff, the positions by group, the
contributions the responses cite, the responses, and how the consultation was run.

A fixed number of queries whatever the number of recommendations (tests pin them). How the
moderators worked is told by the moderation app through `register_methodology` (it sits
above this one): hidden text is never read, only counted."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, DateField, F
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import StakeholderGroup
from consultation.models import Amendment, Comment, ModerationState, Position
from consultation.visibility import public_comments
from core.diffs import word_diff
from recommendations.models import Consultation, Recommendation, RecommendationVersion

from .models import Response, ResponseCitation

NO_GROUP = "No group given"
MOST_CITED = 5
_methodology_sources: list[Callable[[Consultation], dict]] = []


def register_methodology(source: Callable[[Consultation], dict]) -> None:
    """A higher app adds to the methodology section: `source(consultation)` returns a dict
    merged into it (a fixed number of queries, no hidden text)."""
    if source not in _methodology_sources:
        _methodology_sources.append(source)


@dataclass
class Entry:
    recommendation: Recommendation
    original_title: str
    original_body: str
    response: Response | None
    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    cited: list[ResponseCitation] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        r = self.recommendation
        return (self.original_title, self.original_body) != (r.title, r.body)

    @property
    def title_diff(self):
        return word_diff(self.original_title, self.recommendation.title)

    @property
    def body_diff(self):
        return word_diff(self.original_body, self.recommendation.body)

    @property
    def totals(self) -> dict[str, int]:
        totals = dict.fromkeys(Position.Stance.values, 0)
        for counts in self.groups.values():
            for stance, n in counts.items():
                totals[stance] += n
        return totals


@dataclass
class Synopsis:
    consultation: Consultation
    generated_at: dt.datetime
    groups: list[str]
    participation: list[tuple[dt.date, dict[str, int]]]
    pillars: list[tuple[object, list[Entry]]]
    methodology: dict


def _participation(consultation: Consultation) -> tuple[list[str], list]:
    """Published contributions per week and stakeholder group (one query per kind)."""
    weeks: dict[dt.date, Counter] = defaultdict(Counter)
    for model in (Comment, Amendment, Position):
        published = (
            public_comments()  # the comments every count counts (consultation.visibility)
            if model is Comment
            else model.objects.filter(moderation_state=ModerationState.PUBLISHED)
        )
        rows = (
            published.filter(recommendation__consultation=consultation)
            .annotate(week=TruncWeek("created_at", output_field=DateField()))
            .values("week", group=F("author__stakeholder_group__name"))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            weeks[row["week"]][row["group"] or NO_GROUP] += row["n"]
    names = list(StakeholderGroup.objects.order_by("position").values_list("name", flat=True))
    seen = {name for counts in weeks.values() for name in counts}
    groups = [n for n in names if n in seen] + ([NO_GROUP] if NO_GROUP in seen else [])
    return groups, [(week, dict(weeks[week])) for week in sorted(weeks)]


def _breakdowns(consultation: Consultation) -> dict[int, dict[str, dict[str, int]]]:
    rows = (
        Position.objects.filter(
            recommendation__consultation=consultation,
            moderation_state=ModerationState.PUBLISHED,
        )
        .values("recommendation_id", "stance", group=F("author__stakeholder_group__name"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    result: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for row in rows:
        counts = result[row["recommendation_id"]].setdefault(row["group"] or NO_GROUP, {})
        counts[row["stance"]] = row["n"]
    return result


def _methodology(consultation: Consultation) -> dict:
    """Who could take part, how many did, and the moderation in counts (no text)."""
    states = {}
    for kind, model in (("comments", Comment), ("amendments", Amendment), ("positions", Position)):
        states[kind] = dict(
            model.objects.filter(recommendation__consultation=consultation)
            .values_list("moderation_state")
            .annotate(n=Count("pk"))
            .order_by()
        )
    authors = [
        model.objects.filter(recommendation__consultation=consultation).values("author").order_by()
        for model in (Position, Comment, Amendment)
    ]
    participants = authors[0].union(*authors[1:]).count()  # UNION: each person once
    methodology = {
        "opens_at": consultation.opens_at,
        "closes_at": consultation.closes_at,
        "participants": participants,
        "moderation_states": states,
        "hidden": sum(
            counts.get(s, 0)
            for counts in states.values()
            for s in (ModerationState.HIDDEN, ModerationState.REJECTED)
        ),
    }
    for source in _methodology_sources:
        methodology.update(source(consultation))
    return methodology


def synopsis(*, consultation: Consultation) -> Synopsis:
    recommendations = list(
        Recommendation.objects.filter(consultation=consultation)
        .select_related("pillar")
        .order_by("pillar__position", "position", "reference")
    )
    originals = {
        v["recommendation_id"]: v
        for v in RecommendationVersion.objects.filter(
            recommendation__consultation=consultation, number=1
        ).values("recommendation_id", "title", "body")
    }
    responses = {
        r.recommendation_id: r
        for r in Response.objects.filter(
            recommendation__consultation=consultation, state=Response.State.PUBLISHED
        ).select_related("status", "version")
    }
    cited: dict[int, list[ResponseCitation]] = defaultdict(list)
    citations = (
        ResponseCitation.objects.filter(
            response__recommendation__consultation=consultation,
            response__state=Response.State.PUBLISHED,
        )
        .select_related("comment__author", "amendment__author")
        .annotate(
            replies=Count("comment__replies", distinct=True),
            endorsements=Count("amendment__endorsements", distinct=True),
        )
        .order_by("-endorsements", "-replies", "pk")
    )
    for citation in citations:
        cited[citation.response_id].append(citation)
    breakdowns = _breakdowns(consultation)
    pillars: dict[int, tuple] = {}
    for r in recommendations:
        original = originals.get(r.pk, {"title": r.title, "body": r.body})
        response = responses.get(r.pk)
        entry = Entry(
            recommendation=r,
            original_title=original["title"],
            original_body=original["body"],
            response=response,
            groups=breakdowns.get(r.pk, {}),
            cited=cited.get(response.pk, [])[:MOST_CITED] if response else [],
        )
        pillars.setdefault(r.pillar_id, (r.pillar, []))[1].append(entry)
    groups, participation = _participation(consultation)
    return Synopsis(
        consultation=consultation,
        generated_at=timezone.now(),
        groups=groups,
        participation=participation,
        pillars=list(pillars.values()),
        methodology=_methodology(consultation),
    )

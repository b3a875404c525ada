"""Reads for the results and the report. Each costs a fixed number of queries, whatever the
number of recommendations, positions or comments (asserted in tests/test_results.py).

What counts is consultation.counting's rule (published positions, amendments and comments,
comments not removed by their authors); the counts are read from the dialogue's summaries
(consultation.models.StanceCount and WeekCount, kept by each write), never recomputed here.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from django.db.models import (
    BooleanField,
    Case,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import StakeholderGroup, User, stakeholder_group_label
from consultation.counting import counted_amendments, counted_comments, counted_positions
from consultation.models import (
    Amendment,
    Comment,
    GroupCount,
    ModerationState,
    Position,
    StanceCount,
    ThreadCount,
    WeekCount,
)
from core.diffs import word_diff
from recommendations.models import Consultation, Pillar, Recommendation, RecommendationVersion

from . import consensus
from .consensus import Tally

NO_GROUP = "No group given"  # the row of the positions from people who gave no group


def group_label(name: str) -> str:
    """A row's stakeholder group as readers see it, in the active language (accounts'
    stakeholder_group_label decides every group's label)."""
    return stakeholder_group_label(None if name == NO_GROUP else name)


MOST_DIVISIVE = 5
MAX_WEEKS = 104  # the activity chart shows at most the last two years, week by week
REASONS_PER_GROUP = 2  # representative reasons quoted per group in the report
KEY_COMMENTS = 3  # key comments quoted per recommendation in the report

PUBLISHED = ModerationState.PUBLISHED


def published_positions() -> QuerySet[Position]:
    return counted_positions()


def published_comments() -> QuerySet[Comment]:
    return counted_comments()


def published_amendments() -> QuerySet[Amendment]:
    return counted_amendments()


@dataclass
class GroupRow:
    name: str
    tally: Tally
    group_id: int | None = None

    @property
    def support(self) -> float | None:
        return self.tally.support


@dataclass
class RecommendationResult:
    recommendation: Recommendation
    rows: list[GroupRow]  # the groups with positions, in the groups' order; no group last
    total: Tally
    score: float | None
    dispersion: float | None
    divisiveness: float | None
    groups_endorsing: int
    groups_with_positions: int
    accepted_amendments: list[Amendment] = field(default_factory=list)

    @property
    def comments(self) -> int:
        """Its comments everyone reads (consultation.visibility's count, read with it)."""
        return self.recommendation.comment_count


@dataclass
class Week:
    start: dt.date
    positions: int = 0
    comments: int = 0


@dataclass
class ConsultationResults:
    consultation: Consultation
    pillars: list[Pillar]
    pillar: Pillar | None
    groups: list[StakeholderGroup]
    active_groups: int
    recommendations: list[RecommendationResult]
    accepted_amendments: list[Amendment]
    weeks: list[Week]

    @property
    def most_divisive(self) -> list[RecommendationResult]:
        divided = [r for r in self.recommendations if r.divisiveness]
        divided.sort(key=lambda r: (-r.divisiveness, -r.total.total, r.recommendation.position))
        return divided[:MOST_DIVISIVE]

    @property
    def by_pillar(self) -> list[tuple[Pillar, list[RecommendationResult]]]:
        grouped = defaultdict(list)
        for result in self.recommendations:
            grouped[result.recommendation.pillar_id].append(result)
        return [(p, grouped[p.pk]) for p in self.pillars if grouped[p.pk]]

    @property
    def position_total(self) -> int:
        return sum(r.total.total for r in self.recommendations)

    @property
    def comment_total(self) -> int:
        return sum(w.comments for w in self.weeks)


def _tallies(consultation: Consultation, groups: list) -> dict[int, dict[int | None, Tally]]:
    """{recommendation id: {group id (None: no group): Tally}} for the whole consultation, from
    the summary (a few rows per recommendation, all wordings together)."""
    rows = (
        StanceCount.objects.filter(recommendation__consultation=consultation, count__gt=0)
        .values_list("recommendation_id", "group_key", "stance")
        .annotate(n=Sum("count"))
        .order_by()
    )
    known = {g.pk for g in groups}
    tallies: dict[int, dict[int | None, Tally]] = defaultdict(dict)
    for recommendation_id, group_key, stance, n in rows:
        group_id = group_key if group_key in known else None  # 0: no group
        by_group = tallies[recommendation_id]
        by_group[group_id] = by_group.get(group_id, Tally()) + Tally(**{stance: n})
    return tallies


def _result(recommendation, by_group, groups, active_groups, amendments) -> RecommendationResult:
    rows = [GroupRow(g.name, by_group[g.pk], g.pk) for g in groups if g.pk in by_group]
    if None in by_group:
        rows.append(GroupRow(NO_GROUP, by_group[None]))
    grouped = [by_group[g.pk] for g in groups if g.pk in by_group]
    total = sum(by_group.values(), Tally())
    return RecommendationResult(
        recommendation=recommendation,
        rows=rows,
        total=total,
        score=consensus.consensus_score(grouped, active_groups=active_groups),
        dispersion=consensus.dispersion(grouped),
        divisiveness=consensus.divisiveness(grouped),
        groups_endorsing=consensus.groups_endorsing(grouped),
        groups_with_positions=len(grouped),
        accepted_amendments=amendments,
    )


def _weeks(counts: QuerySet[WeekCount]) -> list[Week]:
    """Positions and comments week by week (the summary's rows summed over recommendations)."""
    rows = (
        counts.values_list("week")
        .annotate(p=Sum("positions"), c=Sum("comments"))
        .filter(Q(p__gt=0) | Q(c__gt=0))
        .order_by()
    )
    position_weeks, comment_weeks = {}, {}
    for week, positions, comments in rows:
        position_weeks[week], comment_weeks[week] = positions, comments
    starts = sorted(position_weeks)
    if not starts:
        return []
    first, last = starts[0], starts[-1]
    first = max(first, last - dt.timedelta(weeks=MAX_WEEKS - 1))
    weeks = []
    start = first
    while start <= last:
        weeks.append(Week(start, position_weeks.get(start, 0), comment_weeks.get(start, 0)))
        start += dt.timedelta(weeks=1)
    return weeks


def consultation_results(
    *, consultation: Consultation, pillar: Pillar | None = None, pillars: list | None = None
) -> ConsultationResults:
    """Everything the results page shows, optionally for one pillar.

    Queries (6, or 5 when the caller passes the pillars it already loaded): the pillars, the
    stakeholder groups, the recommendations, the position counts by recommendation, group and
    stance (the summary), the accepted amendments, positions and comments per week (the
    summary).
    """
    if pillars is None:
        pillars = list(consultation.pillars.order_by("position", "code"))
    groups = list(StakeholderGroup.objects.order_by("position", "name"))
    recommendations = Recommendation.objects.filter(consultation=consultation)
    if pillar is not None:
        recommendations = recommendations.filter(pillar=pillar)
    recommendations = list(
        recommendations.annotate(comment_count=Coalesce(F("counts__comments"), 0))
        .select_related("pillar")
        .order_by("pillar__position", "position", "pk")
    )
    for recommendation in recommendations:
        recommendation.consultation = consultation  # its URL needs the slug: no query each
    tallies = _tallies(consultation, groups)
    active_groups = len({g for by_group in tallies.values() for g in by_group if g is not None})

    accepted = published_amendments().filter(
        recommendation__consultation=consultation, status=Amendment.Status.ACCEPTED
    )
    weeks = WeekCount.objects.filter(recommendation__consultation=consultation)
    if pillar is not None:
        accepted = accepted.filter(recommendation__pillar=pillar)
        weeks = weeks.filter(recommendation__pillar=pillar)
    accepted = list(
        accepted.select_related(
            "author", "author__stakeholder_group", "resulting_version", "recommendation__pillar"
        ).order_by("decided_at", "pk")
    )
    amendments_of = defaultdict(list)
    for amendment in accepted:
        amendments_of[amendment.recommendation_id].append(amendment)

    return ConsultationResults(
        consultation=consultation,
        pillars=pillars,
        pillar=pillar,
        groups=groups,
        active_groups=active_groups,
        recommendations=[
            _result(r, tallies.get(r.pk, {}), groups, active_groups, amendments_of[r.pk])
            for r in recommendations
        ],
        accepted_amendments=accepted,
        weeks=_weeks(weeks),
    )


# -- The report ------------------------------------------------------------------------------


@dataclass
class Change:
    """How an accepted amendment changed the wording: the diff from the wording before it."""

    amendment: Amendment | None
    version: RecommendationVersion
    title_diff: str
    body_diff: str


@dataclass
class ReportEntry:
    result: RecommendationResult
    original: RecommendationVersion | None
    changes: list[Change]
    # The printable report's quotes (consultation_report; none in report_data):
    reasons: dict[str, list[Position]] = field(default_factory=dict)  # group name -> reasons
    key_comments: list[Comment] = field(default_factory=list)

    @property
    def version_number(self) -> int | None:
        """The current wording's version number."""
        if self.changes:
            return self.changes[-1].version.number
        return self.original.number if self.original else None


@dataclass
class Participation:
    name: str
    participants: int = 0
    positions: int = 0
    comments: int = 0


@dataclass
class Report:
    results: ConsultationResults
    entries: dict[int, ReportEntry]
    participation: list[Participation] = field(default_factory=list)  # consultation_report's

    @property
    def by_pillar(self) -> list[tuple[Pillar, list[ReportEntry]]]:
        return [
            (pillar, [self.entries[r.recommendation.pk] for r in results])
            for pillar, results in self.results.by_pillar
        ]


def _representative(positions: list[Position]) -> list[Position]:
    """A group's reasons to quote, from the best reason of each stance (`_reasons`): the
    stance most given a reason first (ties in the stances' order)."""
    order = {stance: i for i, stance in enumerate(Position.Stance.values)}
    chosen = sorted(positions, key=lambda p: (-p.held, order[p.stance]))
    return chosen[:REASONS_PER_GROUP]


def _reasons(ids: list[int]) -> list[Position]:
    """The best reason of each recommendation, group and stance: one taken on behalf of an
    organisation first, then the most recent; `held` is how many reasons that stance has in
    the group. Two queries, whatever the number of positions: the cells (recommendation,
    group, stance) with reasons and their number come from the summary (StanceCount.reasons),
    and each cell's best is read from the index of the reasons in that order
    (position_best_reason) until one of the group's: about as many rows as there are groups,
    not as there are reasons."""
    reasons = published_positions().exclude(reason="")
    # The author's group read row by row as the index gives the reasons (a join would let the
    # planner start from the group's people instead: all of them, at scale).
    author_group = (
        User.objects.filter(pk=OuterRef("author_id"))
        .order_by()
        .values(key=Coalesce("stakeholder_group_id", 0))
    )
    # The group test as a CASE: the planner then guesses that a fair share of the rows pass
    # it, and walks the index in order until one does, at every size (an equality on the
    # subquery is guessed to pass one row in 200: at a few hundred reasons it would rather
    # read and sort them all, testing the group of each).
    of_group = Case(
        When(Q(group_key=OuterRef("group_key")), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    best = (
        reasons.annotate(group_key=Subquery(author_group))
        .filter(
            of_group, recommendation_id=OuterRef("recommendation_id"), stance=OuterRef("stance")
        )
        .order_by("-on_behalf_of_organisation", "-updated_at", "-pk")
        .values("pk")[:1]
    )
    cells = (
        StanceCount.objects.filter(recommendation_id__in=ids, reasons__gt=0)
        .values("recommendation_id", "group_key", "stance")
        .annotate(held=Sum("reasons"))
        .annotate(best=Subquery(best))
        .order_by()
    )
    held = {cell["best"]: cell["held"] for cell in cells if cell["best"]}
    picked = list(reasons.filter(pk__in=held).select_related("author", "author__stakeholder_group"))
    for position in picked:
        position.held = held[position.pk]
    return picked


def _key_comments(ids: list[int]) -> list[Comment]:
    """The KEY_COMMENTS most-replied threads of each recommendation (their counted replies),
    oldest first among equals. Two queries, whatever the number of comments: each
    recommendation's first threads read from the summary's index in that order
    (ThreadCount, thread_most_replied), then those comments."""
    threads = ThreadCount.objects.filter(recommendation_id=OuterRef("pk"), shown__gt=0).order_by(
        "-replies", "created_at", "root_id"
    )
    firsts = (
        Recommendation.objects.filter(pk__in=ids)
        .annotate(
            **{f"k{n}": Subquery(threads.values("root_id")[n : n + 1]) for n in range(KEY_COMMENTS)}
        )
        .values_list(*(f"k{n}" for n in range(KEY_COMMENTS)))
        .order_by("pk")
    )
    picked = [pk for row in firsts for pk in row if pk is not None]
    comments = (
        published_comments()
        .filter(pk__in=picked)
        .annotate(reply_count=F("thread_count__replies"))
        .select_related("author", "author__stakeholder_group")
    )
    order = {pk: n for n, pk in enumerate(picked)}
    return sorted(comments, key=lambda c: order[c.pk])


def _participation(consultation: Consultation, pillar: Pillar | None) -> list[Participation]:
    """Participants, positions and comments by stakeholder group (one query: the summary's
    rows, one a group)."""
    group = StakeholderGroup.objects.filter(pk=OuterRef("group_key")).order_by()
    counted = (
        GroupCount.objects.filter(
            consultation=consultation, pillar_key=pillar.pk if pillar else 0, participants__gt=0
        )
        .annotate(name=Subquery(group.values("name")), order=Subquery(group.values("position")))
        .values_list("order", "name", "participants", "positions", "comments")
    )
    rows = [
        ((order is None, order or 0, name or NO_GROUP), Participation(name or NO_GROUP, *counts))
        for order, name, *counts in counted
    ]
    return [row for _key, row in sorted(rows, key=lambda r: r[0])]


def report_data(*, consultation: Consultation, pillar: Pillar | None = None) -> Report:
    """The results with each recommendation's wordings and their changes: what the CSV holds,
    without the quotes and participation the printable report adds (`consultation_report`).
    Seven queries: the results' six and the wordings."""
    results = consultation_results(consultation=consultation, pillar=pillar)
    ids = [r.recommendation.pk for r in results.recommendations]
    versions = defaultdict(list)
    for version in (
        RecommendationVersion.objects.filter(recommendation_id__in=ids)
        .select_related("author")
        .prefetch_related(Prefetch("from_amendment", queryset=published_amendments()))
        .order_by("recommendation_id", "number")
    ):
        versions[version.recommendation_id].append(version)
    entries = {}
    for result in results.recommendations:
        wordings = versions[result.recommendation.pk]
        entries[result.recommendation.pk] = ReportEntry(
            result=result,
            original=wordings[0] if wordings else None,
            changes=[
                Change(
                    amendment=getattr(after, "from_amendment", None),
                    version=after,
                    title_diff=word_diff(before.title, after.title),
                    body_diff=word_diff(before.body, after.body),
                )
                for before, after in pairwise(wordings)
            ],
        )
    return Report(results=results, entries=entries)


def consultation_report(*, consultation: Consultation, pillar: Pillar | None = None) -> Report:
    """The report's data (`report_data`) plus what the printable report quotes: representative
    reasons, key comments and participation by group, from the summaries. A fixed number of
    queries (12)."""
    report = report_data(consultation=consultation, pillar=pillar)
    ids = list(report.entries)
    reasons = defaultdict(lambda: defaultdict(list))
    for position in _reasons(ids):
        group = position.author.stakeholder_group
        reasons[position.recommendation_id][group.name if group else NO_GROUP].append(position)
    comments = defaultdict(list)
    for comment in _key_comments(ids):
        comments[comment.recommendation_id].append(comment)
    for pk, entry in report.entries.items():
        by_group = reasons[pk]
        entry.reasons = {
            row.name: _representative(by_group[row.name])
            for row in entry.result.rows
            if by_group.get(row.name)
        }
        entry.key_comments = comments[pk]
    report.participation = _participation(consultation, pillar)
    return report

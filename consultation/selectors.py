"""Reads of the dialogue. Each costs a fixed number of queries, whatever the data's size."""

from dataclasses import dataclass, field

import rules
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from accounts.models import stakeholder_group_label
from core.paging import counted_page, page_number
from core.versioning import PEOPLE, version_of
from recommendations.models import Recommendation
from recommendations.selectors import CATALOGUE, consultation_list_visible

from .counting import stance_counts_by_group
from .models import (
    Amendment,
    AmendmentEndorsement,
    Comment,
    Follow,
    ModerationState,
    Position,
    RecommendationCount,
)
from .rules import dialogue_refusal
from .threads import (  # noqa: F401 - the thread reads, as the views and the API ask them
    AUTHOR_FIELDS,
    COMMENT_ORDER_LABELS,
    COMMENT_ORDERS,
    REPLIES_PER_BATCH,
    REPLIES_PER_THREAD,
    THREADS_PER_PAGE,
    comment_thread_of,
    comment_thread_page,
    comment_thread_page_number,
    thread_replies_after,
)
from .visibility import comment_count_of, visible_comments

POSITIONS_PER_PAGE = 50
# Moderation: a read given the `viewer` shows what they may read (the published, their own,
# everything to moderators: `visible_to`); without one, what the public reads.
PUBLISHED = Q(moderation_state=ModerationState.PUBLISHED)
# The key of the positions of people without a stakeholder group (the API's key too: kept in
# English; the page shows GroupBreakdown.label).
NO_GROUP = "No group given"


def dialogue_scope(recommendation_id: int) -> str:
    """The scope (core.versioning) of the dialogue on a recommendation: its comments,
    positions and amendments (registered in ConsultationConfig.ready())."""
    return f"consultation:dialogue:{recommendation_id}"


def dialogue_version(recommendation: Recommendation) -> str | None:
    """The version of what the recommendation's dialogue shows: its own rows, the people they
    name and the wordings they refer to (the fragments of its page are keyed by it)."""
    return version_of(dialogue_scope(recommendation.pk), PEOPLE, CATALOGUE)


def public_version(recommendation: Recommendation, viewer) -> str | None:
    """The version under which the dialogue's fragments are kept for this viewer: the
    anonymous read the same page; a signed-in reader's shows their forms, states and drafts
    (None: rendered afresh)."""
    if viewer is not None and viewer.is_authenticated:
        return None
    return dialogue_version(recommendation)


def comment_section(
    *,
    recommendation: Recommendation,
    amendment: Amendment | None = None,
    order: str | None = "oldest",
    page: int | str | None = 1,
    viewer=None,
    after: int | str | None = None,
) -> dict:
    """What the comments section (consultation/_comments.html) shows besides the viewer's
    permissions: a page of threads in the chosen order (read only if the template renders
    it: an anonymous reader's is kept in the cache), and the orders to choose from."""
    order = order if order in COMMENT_ORDERS else "oldest"
    return {
        "threads": SimpleLazyObject(
            lambda: comment_thread_page(
                recommendation=recommendation,
                amendment=amendment,
                order=order,
                page=page,
                viewer=viewer,
                after=after,
            )
        ),
        "public_version": public_version(recommendation, viewer),
        # What chooses the page of threads, as comment_thread_page reads it (a page or cursor
        # that is no number varies nothing).
        "threads_key": ":".join(
            str(value) if str(value or "").isdigit() else ""
            for value in (amendment.pk if amendment else None, page, after)
        )
        + f":{order}",
        "comment_order": order,
        "comment_orders": [(key, COMMENT_ORDER_LABELS[key]) for key in COMMENT_ORDERS],
    }


def can_view_comment_revisions(user) -> SimpleLazyObject:
    """Whether the viewer may read the earlier texts of comments, asked (one query) only if
    a page shows an edited or removed comment."""
    return SimpleLazyObject(
        lambda: (
            user.is_authenticated and rules.has_perm("consultation.view_comment_revisions", user)
        )
    )


def _counted_positions(recommendation: Recommendation) -> QuerySet[Position]:
    positions = Position.objects.filter(recommendation=recommendation)
    if not getattr(settings, "DELETED_ACCOUNTS_KEEP_POSITIONS", True):
        positions = positions.filter(author__deleted_at__isnull=True)
    return positions


@dataclass
class GroupBreakdown:
    group: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The group's name as the page shows it, in the reader's language."""
        return stakeholder_group_label(None if self.group == NO_GROUP else self.group)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shares(self) -> dict[str, int]:
        """Percentage of the group's positions per stance, for the bar chart (a template
        reads `g.shares.endorse`: it cannot call a method with an argument)."""
        total = self.total
        return {
            stance: round(100 * self.counts.get(stance, 0) / total) if total else 0
            for stance in Position.Stance.values
        }


@dataclass
class PositionSummary:
    totals: dict[str, int]
    groups: list[GroupBreakdown]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def position_summary(*, recommendation: Recommendation) -> PositionSummary:
    """Totals per stance and the breakdown by stakeholder group, in one query (the summary:
    what consultation.counting counts, all wordings together)."""
    totals = dict.fromkeys(Position.Stance.values, 0)
    groups: dict[str, GroupBreakdown] = {}
    for row in stance_counts_by_group(recommendation=recommendation):
        name = row["group_name"] or NO_GROUP
        counts = groups.setdefault(name, GroupBreakdown(name)).counts
        counts[row["stance"]] = counts.get(row["stance"], 0) + row["n"]
        totals[row["stance"]] += row["n"]
    return PositionSummary(totals=totals, groups=list(groups.values()))


def position_page(
    *,
    recommendation: Recommendation,
    page: int | str | None = 1,
    viewer=None,
    per_page: int = POSITIONS_PER_PAGE,
) -> Page:
    """Positions with their reasons, newest first (two queries: count and page). The public
    reads the counted positions (consultation.counting): their count is the summary's, one
    row; the page is read in the order of an index (position_newest), LIMIT and OFFSET."""
    positions = (
        _counted_positions(recommendation)
        .visible_to(viewer)
        .select_related(*AUTHOR_FIELDS, "version")
        .order_by("-updated_at", "-pk")
    )
    if viewer is not None and viewer.is_authenticated:
        # Theirs too in any state, or all of them (a moderator): counted over the rows.
        return Paginator(positions, per_page).get_page(page)
    total = (
        RecommendationCount.objects.filter(recommendation=recommendation)
        .values_list("positions", flat=True)
        .first()
    ) or 0
    number = page_number(page, total, per_page)
    start = (number - 1) * per_page
    rows = list(positions[start : start + per_page]) if total else []  # none: no query
    return counted_page(rows, number=number, total=total, per_page=per_page)


def _count_of(rows: QuerySet) -> Coalesce:
    """How many of `rows` belong to the amendment of the outer query."""
    per_amendment = (
        rows.filter(amendment=OuterRef("pk"))
        .order_by()
        .values("amendment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_amendment), 0)


def amendment_list(*, recommendation: Recommendation, viewer=None) -> QuerySet[Amendment]:
    return (
        Amendment.objects.filter(recommendation=recommendation)
        .visible_to(viewer)
        .select_related(*AUTHOR_FIELDS, "base_version", "decided_by")
        .annotate(
            # Subqueries, not two joins counted DISTINCT: those multiply each amendment's
            # endorsements by its comments before grouping the wide rows.
            endorsement_count=_count_of(AmendmentEndorsement.objects.all()),
            comment_count=comment_count_of("amendment"),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass
class Participation:
    """What the viewing person has done here: shapes the forms they see."""

    position: Position | None = None
    follows: bool = False
    endorsed_amendments: set[int] = field(default_factory=set)


def participation_of(*, user, recommendation: Recommendation) -> Participation:
    if not user.is_authenticated:
        return Participation()
    return Participation(
        position=Position.objects.filter(recommendation=recommendation, author=user)
        .select_related("version")
        .first(),
        follows=Follow.objects.filter(recommendation=recommendation, user=user).exists(),
        endorsed_amendments=set(
            AmendmentEndorsement.objects.filter(
                amendment__recommendation=recommendation, user=user
            ).values_list("amendment_id", flat=True)
        ),
    )


def recommendation_dialogue(*, recommendation: Recommendation, user, params) -> dict:
    """Everything the recommendation page shows of the dialogue, at a fixed query cost.

    `params` are the request's GET parameters: `order` and `page` for the comment threads,
    `positions` for the page of positions.
    """

    positions = params.get("positions")
    return {
        # The first of its versions (the newest; prefetched by the other dialogue pages).
        "current_version": SimpleLazyObject(
            lambda: next(iter(recommendation.versions.all()), None)
        ),
        **comment_section(
            recommendation=recommendation,
            order=params.get("order"),
            page=params.get("page"),
            after=params.get("after"),
            viewer=user,
        ),
        "can_view_revisions": can_view_comment_revisions(user),
        # The breakdown is the same for every viewer; the lists of positions and amendments
        # for every anonymous one (their fragments: consultation/_positions.html and
        # _amendments.html). Each is read only when its fragment is rendered.
        "dialogue_version": dialogue_version(recommendation),
        "summary": SimpleLazyObject(lambda: position_summary(recommendation=recommendation)),
        "positions": SimpleLazyObject(
            lambda: position_page(recommendation=recommendation, page=positions, viewer=user)
        ),
        "positions_key": positions or "1",
        "amendments": SimpleLazyObject(
            lambda: list(amendment_list(recommendation=recommendation, viewer=user))
        ),
        "participation": participation_of(user=user, recommendation=recommendation),
        "refusal": dialogue_refusal(user, recommendation),
        "stances": Position.Stance,
    }


# -- A person's contributions (their public profile) ----------------------------------------

CONTRIBUTIONS_PER_PAGE = 20
CONTRIBUTION_KINDS = {"comment": Comment, "amendment": Amendment, "position": Position}


def _profile_reader(*, person, viewer):
    """Whose eyes the profile's list is read with: the person's own on their own profile
    (`visible_to` then adds their pending, hidden and rejected contributions), the public's
    for everyone else, moderators included (they read the rest in their queue, and a profile
    shows the person as others see them)."""
    if viewer is not None and viewer.is_authenticated and viewer.pk == person.pk:
        return viewer
    return None


def _contributions_of(*, person, viewer) -> dict[str, QuerySet]:
    """The person's contributions the viewer may read, per kind, unordered: each where the
    dialogue's own pages show it. A comment shows only if the page its link opens shows it
    too: not removed (a tombstone says nothing of its author's view), its thread's first
    comment readable (comment_thread_of answers 404 otherwise) and, on an amendment, the
    amendment readable. Drafts of consultations stay with the staff, as on every page."""

    reader = _profile_reader(person=person, viewer=viewer)
    consultations = consultation_list_visible(user=viewer)

    def mine(model) -> QuerySet:
        return (
            model.objects.filter(author=person, recommendation__consultation__in=consultations)
            .visible_to(reader)
            .order_by()
        )

    comments = (
        mine(Comment)  # readable_comments(reader): the same visible_to
        .filter(deleted_at=None)
        .filter(Q(root=None) | Q(root__in=visible_comments(reader).values("pk")))
        .filter(
            Q(amendment=None) | Q(amendment__in=Amendment.objects.visible_to(reader).values("pk"))
        )
    )
    return {"comment": comments, "amendment": mine(Amendment), "position": mine(Position)}


def _counted(rows: QuerySet) -> Coalesce:
    """How many rows, as a scalar subquery (they all have one author: grouped by it)."""
    return Coalesce(Subquery(rows.values("author").annotate(n=Count("pk")).values("n")), 0)


class _ContributionList:
    """The person's contributions of every kind, newest first, as the paginator takes them.

    Its length is the sum of the counts already read (no COUNT over the union). A slice costs
    one query for its keys (kind, pk) in the union of the three kinds, sorted by date, and one
    per kind on it for the rows with their recommendation and consultation."""

    def __init__(self, rows: dict[str, QuerySet], counts: dict[str, int]):
        self.rows = rows
        self.counts = counts
        # A position moves to the top when its author changes it (as in the positions list);
        # comments and amendments keep their first date.
        keys = [
            rows[kind]
            .annotate(
                kind=Value(kind, output_field=CharField()),
                at=F("updated_at" if kind == "position" else "created_at"),
            )
            .values("kind", "pk", "at")
            for kind in CONTRIBUTION_KINDS
        ]
        self.keys = keys[0].union(*keys[1:], all=True).order_by("-at", "-pk", "kind")

    def __len__(self) -> int:
        return sum(self.counts.values())

    def __getitem__(self, page: slice) -> list:
        if not len(self) or page.start == page.stop:
            return []
        keys = [(row["kind"], row["pk"]) for row in self.keys[page]]
        loaded = {}
        for kind in CONTRIBUTION_KINDS:
            pks = [pk for k, pk in keys if k == kind]
            if pks:
                rows = self.rows[kind].select_related("recommendation__consultation")
                loaded.update(((kind, row.pk), row) for row in rows.filter(pk__in=pks))
        return [loaded[key] for key in keys if key in loaded]


def person_contributions(*, person, viewer, page: int | str | None = 1) -> Page:
    """A page of the person's comments (on recommendations and on amendments), amendments and
    positions, newest first, as the viewer may read them: the public reads the published,
    the person also their own in every other state (the page marks those).

    `.counts` on the page: how many of each kind in all ({"comment": 12, ...}). Five queries
    at most whatever their number: the counts, the page's keys, and the rows of each kind on
    it (comment, amendment, position)."""
    rows = _contributions_of(person=person, viewer=viewer)
    # One query: the person's own row carries the three counts as subqueries.
    counts = (
        type(person)
        .objects.filter(pk=person.pk)
        .values(**{kind: _counted(rows[kind]) for kind in CONTRIBUTION_KINDS})
        .get()
    )
    contributions = _ContributionList(rows, counts)
    result = Paginator(contributions, CONTRIBUTIONS_PER_PAGE).get_page(page)
    result.counts = counts
    return result


def person_page(*, person, viewer, page) -> dict:
    """What a person's public page shows of the dialogue (accounts.hooks.person_page)."""
    return {"contributions": person_contributions(person=person, viewer=viewer, page=page)}

"""Building a whole batch's digests at once: a fixed number of queries per batch."""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db.models import CharField, Count, F, IntegerField, Q, Value
from django.urls import NoReverseMatch, reverse

from accounts.models import PSEUDONYM, User, stakeholder_group_label_lazy
from consultation.models import Amendment, Comment, Follow, Position
from consultation.visibility import public_comments
from core.markup import markdown_excerpt
from notifications.models import Notification
from recommendations.models import Consultation, Recommendation, RecommendationVersion

from ..models import RecommendationStatusChange
from ..periods import Period
from .digest import (
    _FRAGMENTS,
    ActiveDiscussion,
    AmendmentEvent,
    Change,
    Decision,
    Digest,
    FollowedActivity,
    GroupPositions,
    RecommendationRef,
    Reply,
)
from .who import MAX_DECISIONS, MAX_REPLIES, MOST_ACTIVE, PUBLISHED, UNNAMED


def shared_fragments() -> dict:
    """The parts of digests rendered once ({% shared %}, Digest.fragments), kept from one
    batch to the next in this process: their keys say all they show, so that a part is only
    rendered again when its news change. The least recently read beyond FRAGMENTS_KEPT are
    forgotten (digest.SharedFragments)."""
    return _FRAGMENTS


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _route(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _in(period: Period, prefix: str = "created_at") -> Q:
    return Q(**{f"{prefix}__gte": period.start, f"{prefix}__lt": period.end})


def _public_name(row: dict, prefix: str = "author__") -> str:
    if row[f"{prefix}deleted_at"]:
        return PSEUDONYM
    return row[f"{prefix}display_name"] or UNNAMED


def digests_build(*, people: Sequence[User], period: Period) -> dict[int, Digest]:
    """Every person's digest for the period, from 12 queries whatever the number of people:
    1 their pillars of interest, 2 what they follow, 3 new versions, 4 status changes,
    5 new comments per followed recommendation, 6 their own comments and positions among
    those (no news to them), 7 replies to their comments, 8 positions by stakeholder group,
    9 amendments proposed or decided, 10 decisions on their contributions, 11 the most active
    discussions, 12 the recommendations all these name."""
    fragments = shared_fragments()
    digests = {
        person.pk: Digest(user=person, period=period, fragments=fragments) for person in people
    }
    if not digests:
        return digests
    pks = list(digests)

    pillars_of: dict[int, set[int]] = defaultdict(set)
    for user_id, pillar_id in User.pillars_of_interest.through.objects.filter(
        user_id__in=pks
    ).values_list("user_id", "pillar_id"):
        pillars_of[user_id].add(pillar_id)
    follows_of: dict[int, set[int]] = defaultdict(set)
    for user_id, recommendation_id in Follow.objects.filter(user_id__in=pks).values_list(
        "user_id", "recommendation_id"
    ):
        follows_of[user_id].add(recommendation_id)
    pillar_ids = set().union(*pillars_of.values())
    followed_ids = set().union(*follows_of.values())
    # The ids themselves, not a subquery: nested in the positions' query, a subquery made
    # PostgreSQL's planner loop over the follows for each position (seconds per batch).
    followed = sorted(followed_ids)
    watched = Q(recommendation__pillar_id__in=pillar_ids) | Q(recommendation_id__in=followed)
    public = ~Q(recommendation__consultation__state=Consultation.State.DRAFT)

    versions = list(
        RecommendationVersion.objects.filter(_in(period), watched, public)
        .order_by("created_at", "pk")
        .values("recommendation_id", "number", "created_at")
    )
    statuses = list(
        RecommendationStatusChange.objects.filter(_in(period, "changed_at"), watched, public)
        .order_by("changed_at", "pk")
        .values("recommendation_id", "old_status", "new_status", "changed_at")
    )
    # The comments everyone reads (consultation.visibility): the counts the pages show.
    published_comments = public_comments(Comment.objects.filter(_in(period)))
    comment_counts = dict(
        published_comments.filter(recommendation_id__in=followed)
        .values("recommendation_id")
        .annotate(n=Count("pk"))
        .values_list("recommendation_id", "n")
        .order_by()
    )
    replies = list(
        published_comments.filter(parent__author_id__in=pks)
        .exclude(author_id=F("parent__author_id"))
        .filter(public)
        .order_by("created_at", "pk")
        .values(
            "pk",
            "parent__author_id",
            "author_id",
            "author__display_name",
            "author__deleted_at",
            "recommendation_id",
            "body",
            "created_at",
        )
    )
    counted_positions = Position.objects.filter(
        moderation_state=PUBLISHED, updated_at__lt=period.end
    )
    if not getattr(settings, "DELETED_ACCOUNTS_KEEP_POSITIONS", True):
        counted_positions = counted_positions.filter(author__deleted_at__isnull=True)
    moved_positions = counted_positions.filter(
        _in(period, "updated_at"), recommendation_id__in=followed
    )
    moved = moved_positions.values("recommendation_id")
    # The batch's own comments and positions among the news of what they follow, in one
    # query: a person's own comment or change of position is no news to them (and alone
    # must not send them a digest).
    own_rows = (
        published_comments.filter(recommendation_id__in=followed, author_id__in=pks)
        .values("author_id", "recommendation_id")
        .annotate(
            n=Count("pk"),
            group=Value("", output_field=CharField()),
            stance=Value("", output_field=CharField()),
        )
        .values_list("author_id", "recommendation_id", "n", "group", "stance")
        .order_by()
        .union(
            moved_positions.filter(author_id__in=pks)
            .annotate(
                n=Value(1, output_field=IntegerField()),
                group=F("author__stakeholder_group__name"),
            )
            .values_list("author_id", "recommendation_id", "n", "group", "stance")
            .order_by(),
            all=True,
        )
    )
    own_comments: dict[tuple[int, int], int] = {}
    own_positions: dict[tuple[int, int], tuple[str, str]] = {}
    for user_id, recommendation_id, n, group, stance in own_rows:
        if stance:
            own_positions[(user_id, recommendation_id)] = (
                stakeholder_group_label_lazy(group),
                stance,
            )
        else:
            own_comments[(user_id, recommendation_id)] = n
    position_rows = list(
        counted_positions.filter(recommendation_id__in=moved)
        .values(
            "recommendation_id",
            "author__stakeholder_group__name",
            "author__stakeholder_group__position",
            "stance",
        )
        .annotate(total=Count("pk"), new=Count("pk", filter=_in(period, "updated_at")))
        .order_by("recommendation_id", "author__stakeholder_group__position")
    )
    decided = [Amendment.Status.ACCEPTED, Amendment.Status.REJECTED]
    amendments = list(
        Amendment.objects.filter(recommendation_id__in=followed, moderation_state=PUBLISHED)
        .filter(_in(period) | (_in(period, "decided_at") & Q(status__in=decided)))
        .order_by("created_at", "pk")
        .values(
            "pk", "recommendation_id", "author_id", "title", "status", "created_at", "decided_at"
        )
    )
    decisions = list(
        Notification.objects.filter(_in(period), user_id__in=pks, kind=Notification.Kind.DECISION)
        .order_by("created_at", "pk")
        .values("user_id", "message", "url", "created_at")
    )
    most_active = list(
        published_comments.filter(public)
        .values("recommendation_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "recommendation_id")
        .values_list("recommendation_id", "n")[:MOST_ACTIVE]
    )

    named = (
        {v["recommendation_id"] for v in versions}
        | {s["recommendation_id"] for s in statuses}
        | {r["recommendation_id"] for r in replies}
        | {rid for rid, _ in most_active}
        | (followed_ids & (set(comment_counts) | {p["recommendation_id"] for p in position_rows}))
        | {a["recommendation_id"] for a in amendments}
    )
    refs, pillar_of = _recommendation_refs(named)
    _fill(
        digests,
        period=period,
        refs=refs,
        pillar_of=pillar_of,
        pillars_of=pillars_of,
        follows_of=follows_of,
        versions=versions,
        statuses=statuses,
        comment_counts=comment_counts,
        own_comments=own_comments,
        own_positions=own_positions,
        replies=replies,
        position_rows=position_rows,
        amendments=amendments,
        decisions=decisions,
        most_active=most_active,
    )
    return digests


def _recommendation_refs(ids: Iterable[int]) -> tuple[dict[int, RecommendationRef], dict]:
    if not ids:
        return {}, {}
    rows = (
        Recommendation.objects.filter(pk__in=set(ids))
        .exclude(consultation__state=Consultation.State.DRAFT)
        .values(
            "pk",
            "reference",
            "title",
            "pillar_id",
            "pillar__title",
            "consultation__slug",
            "consultation__title",
        )
    )
    refs, pillar_of = {}, {}
    for row in rows:
        path = reverse("recommendations:detail", args=[row["consultation__slug"], row["reference"]])
        refs[row["pk"]] = RecommendationRef(
            pk=row["pk"],
            reference=row["reference"],
            title=row["title"],
            url=_absolute(path),
            pillar=row["pillar__title"],
            consultation=row["consultation__title"],
        )
        pillar_of[row["pk"]] = (row["pillar_id"], row["consultation__slug"], row["reference"])
    return refs, pillar_of


def _without_position(
    groups: list[GroupPositions], group: str, stance: str
) -> list[GroupPositions]:
    """The breakdown's change without one position (the reader's own): copies, since the
    batch's other readers share these rows; a group left with no change drops out."""
    result = []
    for g in groups:
        if g.group == group and g.new.get(stance):
            new = {**g.new, stance: g.new[stance] - 1}
            g = GroupPositions(g.group, g.totals, {k: v for k, v in new.items() if v})
        if g.new:
            result.append(g)
    return result


def _changes(versions: list[dict], statuses: list[dict], refs: dict) -> list[Change]:
    """One line per recommendation, whatever happened to it in the period: new (a first
    version; later wordings of the same period fold into it), else its latest new wording;
    and its status from the first change's old one to the last's new one (rows are in time
    order). Two lines for one recommendation read as two items (#18)."""
    status_label = dict(Recommendation.Status.choices)
    changes: dict[int, Change] = {}

    def change_of(recommendation_id: int, at) -> Change:
        if recommendation_id not in changes:
            changes[recommendation_id] = Change(refs[recommendation_id], kind="", at=at)
        return changes[recommendation_id]

    for v in versions:
        if v["recommendation_id"] in refs:
            c = change_of(v["recommendation_id"], v["created_at"])
            if v["number"] == 1 or c.kind == "new":
                c.kind, c.version = "new", None
            else:
                c.kind, c.version = "version", v["number"]
    for s in statuses:
        if s["recommendation_id"] in refs:
            c = change_of(s["recommendation_id"], s["changed_at"])
            if not c.new_status:
                c.old_status = status_label.get(s["old_status"], s["old_status"])
            c.new_status = status_label.get(s["new_status"], s["new_status"])
    for c in changes.values():
        if c.new_status and c.new_status == c.old_status:  # moved and moved back
            c.old_status = c.new_status = ""
    return sorted(
        (c for c in changes.values() if c.kind or c.new_status),
        key=lambda c: c.recommendation.reference,
    )


def _theirs(a: FollowedActivity, user_id: int, rows: dict) -> FollowedActivity:
    """The recommendation's news as this reader sees them: their own comments, position and
    proposals are no news to them. Most readers have none there: they share the batch's
    object (its lines are rendered once: {% shared %} on its key, computed once)."""
    key = (user_id, a.recommendation.pk)
    own_proposal = any(e.event == "proposed" and e.author_id == user_id for e in a.amendments)
    if not own_proposal and key not in rows["own_positions"] and key not in rows["own_comments"]:
        return a
    events = [e for e in a.amendments if not (e.event == "proposed" and e.author_id == user_id)]
    groups, new_positions = a.groups, a.new_positions
    if key in rows["own_positions"]:
        groups = _without_position(groups, *rows["own_positions"][key])
        new_positions -= 1
    return FollowedActivity(
        a.recommendation,
        a.new_comments - rows["own_comments"].get(key, 0),
        new_positions,
        groups,
        events,
    )


def _fill(digests, *, period, refs, pillar_of, pillars_of, follows_of, **rows) -> None:
    """Shares the batch's rows out among its people (no queries)."""
    decided = (Amendment.Status.ACCEPTED, Amendment.Status.REJECTED)

    def watches(user_id: int, recommendation_id: int) -> bool:
        return recommendation_id in refs and (
            recommendation_id in follows_of[user_id]
            or pillar_of[recommendation_id][0] in pillars_of[user_id]
        )

    changes = _changes(rows["versions"], rows["statuses"], refs)

    activity: dict[int, FollowedActivity] = {}

    def activity_of(recommendation_id: int) -> FollowedActivity | None:
        if recommendation_id not in refs:
            return None
        if recommendation_id not in activity:
            activity[recommendation_id] = FollowedActivity(refs[recommendation_id])
        return activity[recommendation_id]

    for recommendation_id, n in rows["comment_counts"].items():
        if (a := activity_of(recommendation_id)) is not None:
            a.new_comments = n
    groups: dict[tuple[int, str], GroupPositions] = {}
    for p in rows["position_rows"]:
        a = activity_of(p["recommendation_id"])
        if a is None:
            continue
        name = p["author__stakeholder_group__name"]
        key = (p["recommendation_id"], name)
        if key not in groups:
            groups[key] = GroupPositions(stakeholder_group_label_lazy(name))
            a.groups.append(groups[key])
        groups[key].totals[p["stance"]] = p["total"]
        if p["new"]:
            groups[key].new[p["stance"]] = p["new"]
            a.new_positions += p["new"]
    for a in activity.values():
        # The change of the breakdown: the groups with new or changed positions.
        a.groups = [g for g in a.groups if g.new]
    for am in rows["amendments"]:
        a = activity_of(am["recommendation_id"])
        if a is None:
            continue
        _, slug, reference = pillar_of[am["recommendation_id"]]
        path = _route("consultation:amendment", slug, reference, am["pk"])
        url = _absolute(path) if path else a.recommendation.url
        if period.start <= am["created_at"] < period.end:
            a.amendments.append(
                AmendmentEvent(am["pk"], am["title"], "proposed", url, am["author_id"])
            )
        decided_at = am["decided_at"]
        if decided_at and period.start <= decided_at < period.end and am["status"] in decided:
            a.amendments.append(
                AmendmentEvent(am["pk"], am["title"], am["status"], url, am["author_id"])
            )

    most_active = [ActiveDiscussion(refs[rid], n) for rid, n in rows["most_active"] if rid in refs]

    for user_id, digest in digests.items():
        digest.changes = [c for c in changes if watches(user_id, c.recommendation.pk)]
        for recommendation_id in sorted(
            follows_of[user_id] & set(activity), key=lambda r: activity[r].recommendation.reference
        ):
            theirs = _theirs(activity[recommendation_id], user_id, rows)
            if theirs:
                digest.followed.append(theirs)
        digest.most_active = most_active

    for r in rows["replies"]:
        digest = digests.get(r["parent__author_id"])
        if digest is None or r["recommendation_id"] not in refs:
            continue
        if len(digest.replies) >= MAX_REPLIES:
            digest.more_replies += 1
            continue
        _, slug, reference = pillar_of[r["recommendation_id"]]
        path = _route("consultation:comment", slug, reference, r["pk"])
        recommendation = refs[r["recommendation_id"]]
        digest.replies.append(
            Reply(
                author=_public_name(r),
                recommendation=recommendation,
                excerpt=markdown_excerpt(r["body"], 200),
                url=_absolute(path) if path else recommendation.url,
                at=r["created_at"],
            )
        )
    for d in rows["decisions"]:
        digest = digests[d["user_id"]]
        if len(digest.decisions) < MAX_DECISIONS:
            url = d["url"]
            digest.decisions.append(
                Decision(
                    message=d["message"],
                    url=_absolute(url) if url.startswith("/") else url,
                    at=d["created_at"],
                )
            )

"""Reads of moderation: the queue, one item with its context, the decisions an author sees,
and the audit log. Each costs a fixed number of queries, whatever the queue's size."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Value,
)
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from consultation.models import Comment, ModerationState
from core.paging import counted_page, page_number
from recommendations.models import Consultation

from .histories import AuthorHistory, author_histories
from .models import KINDS, Appeal, Flag, ModerationAction, ReasonTemplate

State = ModerationState
Action = ModerationAction.Action

QUEUE_PAGE_SIZE = 25
QUEUE_LIMIT = 500  # per kind: the queue is worked through, not browsed
QUEUE_STATES = {
    "": _("Everything to review"),
    "pending": _("Awaiting moderation"),
    "flagged": _("Reported, still public"),
    "hidden": _("Hidden after reports"),
    "appeals": _("Appeals"),
}
QUEUE_SORTS = {
    "flags": _("Most reported first"),
    "oldest": _("Oldest first"),
    "newest": _("Newest first"),
}
CONTENT_SELECT = {
    "comment": ("author__stakeholder_group", "recommendation__consultation", "parent__author"),
    "amendment": ("author__stakeholder_group", "recommendation__consultation", "base_version"),
    "position": ("author__stakeholder_group", "recommendation__consultation", "version"),
}


@dataclass
class QueueItem:
    kind: str
    content: object
    open_flags: int = 0
    flags: list = field(default_factory=list)
    appeal: Appeal | None = None
    history: AuthorHistory | None = None

    @property
    def key(self) -> str:
        """What a bulk action's checkbox posts: the item and the state the moderator saw."""
        return f"{self.kind}:{self.content.pk}:{self.content.moderation_state}"

    @property
    def since(self):
        if self.appeal:
            return self.appeal.created_at
        return self.flags[0].created_at if self.flags else self.content.created_at

    @property
    def author(self):
        return self.appeal.appellant if self.appeal else self.content.author

    @property
    def flag_reasons(self) -> list[tuple[str, int]]:
        return Counter(flag.get_reason_display() for flag in self.flags).most_common()


def _open_flags(kind: str):
    return Flag.objects.filter(**{kind: OuterRef("pk")}, resolved_at=None)


# The reported contributions shown in each state; "everything" also shows the pending ones
# without open reports (`_unreported_pending`).
REPORTED_STATES = {
    "": (State.PENDING, State.PUBLISHED, State.HIDDEN),
    "pending": (State.PENDING,),
    "flagged": (State.PUBLISHED,),
    "hidden": (State.HIDDEN,),
}


def _of_kind(kind: str, *, consultation: Consultation | None):
    items = KINDS[kind].objects.all()
    if consultation is not None:
        items = items.filter(recommendation__consultation=consultation)
    if kind == "comment":
        items = items.filter(deleted_at=None)
    return items


def _reported(kind: str, *, state: str, consultation: Consultation | None):
    """The contributions of one kind with open reports, in the states `state` shows. Driven
    by the open flags' partial index: as many rows as reports await a decision."""
    return _of_kind(kind, consultation=consultation).filter(
        pk__in=Flag.objects.filter(resolved_at=None, **{f"{kind}__isnull": False}).values(kind),
        moderation_state__in=REPORTED_STATES[state],
    )


def _unreported_pending(kind: str, *, consultation: Consultation | None):
    """The pending contributions of one kind without open reports, read in the order of the
    pending rows' partial index (created_at), so a LIMIT stops the scan."""
    return (
        _of_kind(kind, consultation=consultation)
        .filter(moderation_state=State.PENDING)
        .exclude(Exists(_open_flags(kind)))
        .annotate(open_flag_count=Value(0), since=F("created_at"))
    )


# Each sort as the database orders a kind's contributions (`since`: the first open report's
# date, or the contribution's for those without).
SQL_ORDER = {
    "flags": ("-open_flag_count", "since", "pk"),
    "oldest": ("since", "pk"),
    "newest": ("-since", "-pk"),
}


# Each sort as the open reports rank the reported contributions of a kind.
REPORT_ORDER = {
    "flags": ("-open_flag_count", "since", "content"),
    "oldest": ("since", "content"),
    "newest": ("-since", "-content"),
}


def _ranked_reports(reported, *, kind: str, sort: str, count: int) -> list[tuple]:
    """The first `count` of the `reported` contributions of a kind in the sort's order,
    ranked on their open reports alone: (pk, open reports, the first one's date). Ranking the
    contributions themselves joined each to what the page shows before sorting them all
    (993 open reports at L: 39 ms; ranked on the reports 7 ms)."""
    return list(
        Flag.objects.filter(resolved_at=None, **{f"{kind}__in": reported.values("pk")})
        .annotate(content=F(kind))
        .values("content")
        .annotate(open_flag_count=Count("pk"), since=Min("created_at"))
        .order_by(*REPORT_ORDER[sort])
        .values_list("content", "open_flag_count", "since")[:count]
    )


def _first_reported(reported, *, kind: str, sort: str, count: int) -> list:
    """The first `count` of the `reported` contributions of a kind, with their open
    reports."""
    ranked = _ranked_reports(reported, kind=kind, sort=sort, count=count)
    if not ranked:
        return []
    flags = Flag.objects.filter(resolved_at=None).select_related("flagger")
    rows = (
        KINDS[kind]
        .objects.filter(pk__in=[pk for pk, *_ in ranked])
        .select_related(*CONTENT_SELECT[kind])
        .prefetch_related(
            Prefetch("flags", queryset=flags.order_by("created_at"), to_attr="open_flags")
        )
    )
    by_pk = {row.pk: row for row in rows}
    first = []
    for pk, open_flag_count, since in ranked:
        content = by_pk[pk]
        content.open_flag_count, content.since = open_flag_count, since
        first.append(content)
    return first


def _first_pending(items, *, sort: str, count: int, kind: str) -> list:
    """The first `count` of a kind's pending items without reports, in the sort's order."""
    if not count:
        return []
    items = items.select_related(*CONTENT_SELECT[kind]).order_by(*SQL_ORDER[sort])
    return list(items[:count])


def _open_appeals(*, consultation: Consultation | None):
    appeals = Appeal.objects.filter(state=Appeal.State.OPEN).select_related(
        "appellant__stakeholder_group",
        "decision__actor",
        "decision__consultation",
        "decision__comment__recommendation",
        "decision__amendment__recommendation",
        "decision__position__recommendation",
    )
    if consultation is not None:
        appeals = appeals.filter(decision__consultation=consultation)
    return appeals.order_by("created_at")[:QUEUE_LIMIT]


@dataclass
class QueueFilters:
    state: str = ""
    kind: str = ""
    consultation: Consultation | None = None
    sort: str = "flags"

    @classmethod
    def from_params(cls, params, consultations) -> "QueueFilters":
        by_slug = {c.slug: c for c in consultations}
        state = params.get("state", "")
        kind = params.get("kind", "")
        sort = params.get("sort", "flags")
        return cls(
            state=state if state in QUEUE_STATES else "",
            kind=kind if kind in KINDS else "",
            consultation=by_slug.get(params.get("consultation", "")),
            sort=sort if sort in QUEUE_SORTS else "flags",
        )


def _sort_key(sort: str):
    if sort == "flags":
        return lambda item: (-item.open_flags, item.since)
    return lambda item: item.since


def queue_page(
    *, filters: QueueFilters, page: int | str | None = 1, per_page: int = QUEUE_PAGE_SIZE
) -> Page:
    """A page of the queue: contributions awaiting moderation or reported (with their open
    reports), and open appeals, with their authors' histories.

    The queue is read only as far as the page goes: each kind's reported contributions and
    its pending ones without reports, counted (up to QUEUE_LIMIT each) and then read in the
    sort's order up to the page's end; the page is cut from their merge. Neither the rows of
    the site nor the length of the queue changes what a page reads.

    Queries: per kind shown, the two counts, then each set's first rows (skipped when it
    has none): the pending ones (1), the reported ones ranked on their open reports (1) and
    read with those reports (2); the open appeals (1); for the page's authors, their
    contributions by state and decisions (4).
    """
    streams = []  # (kind, reported?, items): each kind's reported and unreported pending ones
    kinds = [] if filters.state == "appeals" else [filters.kind] if filters.kind else list(KINDS)
    for kind in kinds:
        reported = _reported(kind, state=filters.state, consultation=filters.consultation)
        streams.append((kind, True, reported))
        if filters.state in ("", "pending"):
            pending = _unreported_pending(kind, consultation=filters.consultation)
            streams.append((kind, False, pending))
    # Unordered: the count stops at QUEUE_LIMIT rows of an index instead of sorting them all.
    counts = [stream.order_by().values("pk")[:QUEUE_LIMIT].count() for *_about, stream in streams]
    items: list[QueueItem] = []
    if filters.state in ("", "appeals"):
        for appeal in _open_appeals(consultation=filters.consultation):
            kind = appeal.decision.content_kind
            if filters.kind and kind != filters.kind:
                continue
            items.append(QueueItem(kind=kind, content=appeal.decision.content, appeal=appeal))
    total = len(items) + sum(counts)
    number = page_number(page, total, per_page)
    end = number * per_page
    for (kind, reported, stream), count in zip(streams, counts, strict=True):
        if reported:
            first = _first_reported(stream, kind=kind, sort=filters.sort, count=min(end, count))
        else:
            first = _first_pending(stream, sort=filters.sort, count=min(end, count), kind=kind)
        for content in first:
            items.append(
                QueueItem(
                    kind=kind,
                    content=content,
                    open_flags=content.open_flag_count,
                    flags=getattr(content, "open_flags", []),
                )
            )
    items.sort(key=_sort_key(filters.sort), reverse=filters.sort == "newest")
    shown = items[end - per_page : end]
    histories = author_histories([item.author for item in shown])
    for item in shown:
        item.history = histories[item.author.pk]
    return counted_page(shown, number=number, total=total, per_page=per_page)


def queue_consultations():
    return Consultation.objects.order_by("title").only("pk", "slug", "title")


def reason_templates(action: str | None = None) -> list[ReasonTemplate]:
    templates = list(ReasonTemplate.objects.filter(active=True))
    if action:
        templates = [t for t in templates if not t.actions or action in t.actions]
    return templates


# -- One item -------------------------------------------------------------------------------


def content_get(*, kind: str, pk: int):
    """A contribution with what its page shows, or 404."""
    if kind not in KINDS:
        raise Http404("No such kind of contribution.")
    content = (
        KINDS[kind].objects.select_related(*CONTENT_SELECT[kind], "author").filter(pk=pk).first()
    )
    if content is None:
        raise Http404("No such contribution.")
    return content


@dataclass
class ItemContext:
    kind: str
    content: object
    flags: list
    actions: list
    history: AuthorHistory
    thread: list = field(default_factory=list)  # a comment's thread, root first
    open_appeals: list = field(default_factory=list)

    @property
    def open_flags(self) -> list:
        return [f for f in self.flags if f.resolved_at is None]


def item_context(*, kind: str, content) -> ItemContext:
    """Everything the item's page shows: every report, the log of this contribution, the
    author's history, and for a comment its thread."""
    reference = {kind: content}
    flags = list(Flag.objects.filter(**reference).select_related("flagger"))
    actions = list(ModerationAction.objects.filter(**reference).select_related("actor", "appeal"))
    thread = []
    if kind == "comment":
        root_id = content.root_id or content.pk
        thread = list(
            Comment.objects.filter(Q(pk=root_id) | Q(root_id=root_id))
            .select_related("author")
            .order_by("created_at", "pk")[:200]
        )
    open_appeals = list(
        Appeal.objects.filter(
            state=Appeal.State.OPEN, **{f"decision__{kind}": content}
        ).select_related("appellant", "decision__actor")
    )
    return ItemContext(
        kind=kind,
        content=content,
        flags=flags,
        actions=actions,
        history=author_histories([content.author])[content.author_id],
        thread=thread,
        open_appeals=open_appeals,
    )


def appeal_get(*, pk: int) -> Appeal:
    appeal = (
        Appeal.objects.select_related(
            "appellant__stakeholder_group",
            "decided_by",
            "decision__actor",
            "decision__comment__recommendation__consultation",
            "decision__amendment__recommendation__consultation",
            "decision__position__recommendation__consultation",
        )
        .filter(pk=pk)
        .first()
    )
    if appeal is None:
        raise Http404("No such appeal.")
    return appeal


def decision_get(*, pk: int) -> ModerationAction:
    action = (
        ModerationAction.objects.select_related(
            "actor",
            "subject_user",
            "comment__recommendation__consultation",
            "amendment__recommendation__consultation",
            "position__recommendation__consultation",
        )
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404("No such decision.")
    return action


def decision_appeal(action: ModerationAction) -> Appeal | None:
    return Appeal.objects.filter(decision=action).select_related("decided_by").first()


# -- A person's suspension ------------------------------------------------------------------


def person_get(*, pk: int):
    """A person whose suspension a moderator looks at, or 404."""
    person = User.objects.select_related("stakeholder_group").filter(pk=pk).first()
    if person is None:
        raise Http404("No such person.")
    return person


def last_suspension(person) -> ModerationAction | None:
    """The latest decision suspending the person: who, when, why."""
    return (
        ModerationAction.objects.filter(subject_user=person, action=Action.SUSPEND)
        .select_related("actor")
        .first()
    )

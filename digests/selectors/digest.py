"""What a digest holds: plain dataclasses, rendered by the e-mail templates."""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from accounts.models import User
from consultation.models import Position

from ..periods import Period


@dataclass
class RecommendationRef:
    pk: int
    reference: str
    title: str
    url: str
    pillar: str
    consultation: str


@dataclass
class Change:
    """A recommendation in the person's pillars (or followed) that is new or changed: one per
    recommendation and digest, its wording's news and its status's together."""

    recommendation: RecommendationRef
    kind: str  # "new", "version" (a new wording) or "" (its status changed, not its wording)
    at: datetime
    version: int | None = None
    old_status: str = ""
    new_status: str = ""

    @cached_property  # one Change serves the whole batch
    def key(self) -> tuple:
        """What its line in a digest shows (templates render it once per batch: {% shared %})."""
        r = self.recommendation
        return (
            r.pk,
            r.reference,
            r.title,
            r.url,
            r.pillar,
            self.kind,
            self.version,
            str(self.old_status),
            str(self.new_status),
        )


@dataclass
class GroupPositions:
    group: str
    totals: dict[str, int] = field(default_factory=dict)  # stance -> positions at period end
    new: dict[str, int] = field(default_factory=dict)  # stance -> taken or changed in period

    @cached_property
    def key(self) -> tuple:
        """What its row shows: a reader's own position changes one row of the breakdown they
        read; the others are the batch's rows, rendered once ({% shared %})."""
        return (str(self.group), tuple(self.totals.items()), tuple(self.new.items()))

    @property
    def new_total(self) -> int:
        return sum(self.new.values())

    @property
    def stances(self) -> list[tuple[str, int, int]]:
        """(label, positions at period end, of which new or changed), in the stances' order."""
        return [
            (label, self.totals.get(value, 0), self.new.get(value, 0))
            for value, label in Position.Stance.choices
            if self.totals.get(value)
        ]


@dataclass
class AmendmentEvent:
    pk: int
    title: str
    event: str  # "proposed", "accepted" or "rejected"
    url: str
    author_id: int


@dataclass
class FollowedActivity:
    recommendation: RecommendationRef
    new_comments: int = 0
    new_positions: int = 0
    groups: list[GroupPositions] = field(default_factory=list)
    amendments: list[AmendmentEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new_comments or self.new_positions or self.amendments)

    @cached_property  # one FollowedActivity serves every reader with nothing of their own in it
    def key(self) -> tuple:
        """What its lines in a digest show (templates render them once per batch: {% shared %})."""
        r = self.recommendation
        return (
            r.pk,
            r.reference,
            r.title,
            r.url,
            self.new_comments,
            self.new_positions,
            tuple(g.key for g in self.groups),
            tuple((e.pk, e.event, e.title, e.url) for e in self.amendments),
        )


@dataclass
class Reply:
    author: str
    recommendation: RecommendationRef
    excerpt: str
    url: str
    at: datetime


@dataclass
class Decision:
    message: str
    url: str
    at: datetime


@dataclass
class ActiveDiscussion:
    recommendation: RecommendationRef
    comments: int


@dataclass
class Digest:
    user: User
    period: Period
    changes: list[Change] = field(default_factory=list)
    followed: list[FollowedActivity] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    more_replies: int = 0
    decisions: list[Decision] = field(default_factory=list)
    most_active: list[ActiveDiscussion] = field(default_factory=list)
    # Parts rendered once for many digests ({% shared %}; digests_build gives them one dict).
    fragments: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_empty(self) -> bool:
        """Nothing for this person: no e-mail. (The most active discussions are the same for
        everyone: on their own they are no reason to write.)"""
        return not (self.changes or self.followed or self.replies or self.decisions)

    @cached_property  # read by the text and the HTML
    def changes_key(self) -> tuple:
        """What the section of new and changed recommendations shows: readers with the same
        news share the whole section, not only its lines ({% shared %})."""
        return tuple(c.key for c in self.changes)

    @cached_property  # read by the text and the HTML
    def most_active_key(self) -> tuple:
        return tuple(
            (m.recommendation.pk, m.recommendation.reference, m.recommendation.title)
            + (m.recommendation.url, m.comments)
            for m in self.most_active
        )

    @property
    def item_count(self) -> int:
        return (
            len(self.changes)
            + len(self.followed)
            + len(self.replies)
            + self.more_replies
            + len(self.decisions)
        )


class SharedFragments(OrderedDict):
    """The parts of digests rendered once ({% shared %}), the least recently read forgotten
    beyond `size`. Most parts serve a whole run (a recommendation's news, a row of its
    breakdown); a reader's own lines serve them alone: forgetting everything at the cap made
    each worker render its common parts again every few thousand people."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self.move_to_end(key)
        return value

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if len(self) > self.size:
            self.popitem(last=False)


FRAGMENTS_KEPT = 20_000
_FRAGMENTS = SharedFragments(FRAGMENTS_KEPT)

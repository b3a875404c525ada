"""Grows the database to a size: people, positions and comments written with COPY.

Deterministic per size (a seeded random.Random), and incremental: loading M on an S database
adds the difference. Each new person takes a position on ten recommendations; a fifth of the
comments go to the first recommendation, in threads up to five deep; a few comments and reasons
await moderation and a few carry an open flag, so the moderation queue has work.
"""

import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import StakeholderGroup, User
from bench.data import WORDS
from consultation.models import Comment, ModerationState, Position
from consultation.services import MAX_DEPTH
from core.markup import render_markdown
from moderation.models import Flag
from recommendations.models import Consultation, Recommendation, RecommendationVersion

from .copying import Copier, indexes_set_aside, next_id, reset_sequence


@dataclass(frozen=True)
class Size:
    people: int
    positions: int
    comments: int


SIZES = {
    "S": Size(1_000, 10_000, 2_000),
    "M": Size(100_000, 1_000_000, 100_000),
    "L": Size(500_000, 5_000_000, 500_000),
}
POSITIONS_EACH = 10
HEAVY_SHARE = 5  # one comment in five is on the first recommendation
PENDING_EVERY = 200  # one comment or reason in 200 awaits moderation
FLAGGED_EVERY = 500  # one comment in 500 has an open flag
WEEKS = 6


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


class Texts:
    """A pool of bodies with their rendered HTML: rendering Markdown per row would cost more
    than writing the row."""

    def __init__(self, rng: random.Random, count: int = 500):
        self.bodies = [
            " ".join(_sentence(rng, rng.randint(6, 18)) for _ in range(rng.randint(1, 4)))
            for _ in range(count)
        ]
        self.html = [render_markdown(body) for body in self.bodies]

    def pick(self, rng: random.Random) -> tuple[str, str]:
        i = rng.randrange(len(self.bodies))
        return self.bodies[i], self.html[i]


def _when(rng: random.Random, now):
    return now - timedelta(seconds=rng.randrange(WEEKS * 7 * 24 * 3600))


def consultation() -> Consultation:
    """The white paper's consultation, seeded by the canonical import the first time."""
    if not Consultation.objects.exists():
        call_command("seed_recommendations", verbosity=0)
    return Consultation.objects.order_by("pk").first()


def _people(rng: random.Random, start: int, count: int, now) -> tuple[int, int]:
    groups = list(StakeholderGroup.objects.order_by("position").values_list("pk", flat=True))
    first = next_id(User)
    password = make_password(None)
    copier = Copier(
        User,
        [
            "id",
            "email",
            "password",
            "display_name",
            "organisation",
            "stakeholder_group_id",
            "date_joined",
            "interests",
            "interests_declared_at",
        ],
    )
    rows = (
        (
            first + i,
            f"scale-{start + i}@bench.example.org",
            password,
            f"Participant {start + i}",
            f"Organisation {(start + i) % 997}",
            groups[(start + i) % len(groups)] if groups and (start + i) % 10 else None,
            _when(rng, now),
            "None.",
            now,
        )
        for i in range(count)
    )
    copier.copy(rows)
    reset_sequence(User)
    return first, first + count


def _positions(rng, texts, people: range, recommendations: list[tuple[int, int]], now) -> int:
    stances = [s.value for s in Position.Stance]
    copier = Copier(
        Position,
        [
            "recommendation_id",
            "author_id",
            "stance",
            "reason",
            "version_id",
            "moderation_state",
            "created_at",
            "updated_at",
        ],
    )

    def rows():
        each = min(POSITIONS_EACH, len(recommendations))
        for author in people:
            for rec, version in rng.sample(recommendations, each):
                stance = rng.choice(stances)
                reason = "" if stance == "endorse" and rng.random() < 0.7 else texts.pick(rng)[0]
                state = (
                    ModerationState.PENDING
                    if reason and rng.randrange(PENDING_EVERY) == 0
                    else ModerationState.PUBLISHED
                )
                when = _when(rng, now)
                yield rec, author, stance, reason, version, state, when, when

    return copier.copy(rows())


def _comments(rng, texts, count: int, people: tuple[int, int], recommendations, now) -> list[int]:
    """Returns the ids of the comments given an open flag."""
    first = next_id(Comment)
    heavy = recommendations[0][0]
    others = [rec for rec, _version in recommendations[1:]] or [heavy]
    # Per recommendation, this load's comments that may take a reply: (id, depth, root).
    open_ends: dict[int, list[tuple[int, int, int | None]]] = {}
    flagged: list[int] = []
    copier = Copier(
        Comment,
        [
            "id",
            "recommendation_id",
            "parent_id",
            "root_id",
            "depth",
            "author_id",
            "body",
            "body_html",
            "moderation_state",
            "created_at",
        ],
    )
    times = sorted(_when(rng, now) for _ in range(count))  # replies come after what they answer

    def rows():
        for i in range(count):
            pk = first + i
            rec = heavy if i % HEAVY_SHARE == 0 else rng.choice(others)
            ends = open_ends.setdefault(rec, [])
            parent = root = None
            depth = 0
            if ends and rng.random() < 0.6:
                parent, parent_depth, parent_root = rng.choice(ends)
                depth = parent_depth + 1
                root = parent_root or parent
            if depth < MAX_DEPTH:
                ends.append((pk, depth, root))
            body, html = texts.pick(rng)
            state = (
                ModerationState.PENDING
                if rng.randrange(PENDING_EVERY) == 0
                else ModerationState.PUBLISHED
            )
            if state == ModerationState.PUBLISHED and rng.randrange(FLAGGED_EVERY) == 0:
                flagged.append(pk)
            author = rng.randrange(*people)
            yield pk, rec, parent, root, depth, author, body, html, state, times[i]

    copier.copy(rows())
    reset_sequence(Comment)
    return flagged


def _flags(rng, comment_ids: list[int], people: tuple[int, int], now) -> int:
    copier = Copier(Flag, ["comment_id", "flagger_id", "reason", "text", "created_at"])
    reasons = [r.value for r in Flag.Reason if r != Flag.Reason.OTHER]
    return copier.copy(
        (pk, rng.randrange(*people), rng.choice(reasons), "Please look at this.", now)
        for pk in comment_ids
    )


def _current_versions(consultation: Consultation) -> list[tuple[int, int]]:
    latest = (
        RecommendationVersion.objects.filter(recommendation__consultation=consultation)
        .values("recommendation_id")
        .annotate(last=Max("number"))
    )
    numbers = {row["recommendation_id"]: row["last"] for row in latest}
    versions = RecommendationVersion.objects.filter(
        recommendation__consultation=consultation
    ).values_list("recommendation_id", "number", "pk")
    current = {rec: pk for rec, number, pk in versions if numbers[rec] == number}
    recs = Recommendation.objects.filter(consultation=consultation).order_by("position", "pk")
    return [(pk, current[pk]) for pk in recs.values_list("pk", flat=True) if pk in current]


def rebuild_summaries() -> str:
    """The summaries kept by the writes are rebuilt from the copied rows, as an operator would
    after a bulk load (the command's name, whichever app provides it)."""
    names = [name for name in get_commands() if "summar" in name and "rebuild" in name]
    for name in names:
        call_command(name, verbosity=0)
    return ", ".join(names) or "none"


def load(size_name: str, *, seed: int = 19) -> dict:
    target = SIZES[size_name]
    now = timezone.now()
    started = time.perf_counter()
    c = consultation()
    recommendations = _current_versions(c)
    have_people = User.objects.filter(email__endswith="@bench.example.org").count()
    have_comments = Comment.objects.filter(recommendation__consultation=c).count()
    rng = random.Random(f"{seed}-{size_name}-{have_people}")
    texts = Texts(rng)
    added = {"people": 0, "positions": 0, "comments": 0, "flags": 0}
    with transaction.atomic(), indexes_set_aside(User, Position, Comment, Flag):
        new_people = max(0, target.people - have_people)
        if new_people:
            first, end = _people(rng, have_people, new_people, now)
            added["people"] = new_people
            added["positions"] = _positions(rng, texts, range(first, end), recommendations, now)
        people = User.objects.filter(email__endswith="@bench.example.org").aggregate(
            low=Min("pk"), high=Max("pk")
        )
        span = (people["low"], people["high"] + 1)
        new_comments = max(0, target.comments - have_comments)
        if new_comments:
            flagged = _comments(rng, texts, new_comments, span, recommendations, now)
            added["comments"] = new_comments
            added["flags"] = _flags(rng, flagged, span, now)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the rebuild's grouped reads are planned on statistics
    summaries = rebuild_summaries()
    with connection.cursor() as cursor:
        # As after any bulk load: the visibility map, without which an index-only scan
        # visits the table for every row until autovacuum gets to the new rows (the
        # report's best reasons at L: 51 ms before, 23 ms after). VACUUM cannot run in a
        # transaction (a test's): there, the statistics alone.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    return {
        "size": size_name,
        "added": added,
        "load_seconds": round(loaded, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "summaries_rebuilt": summaries,
    }

"""The dialogue's summaries (consultation.services.summaries) follow every write through the
services: after a random mix of positions, withdrawals, comments, edits, removals, amendments,
rewordings, moderators' decisions, reports, changes of group and erasures, they equal what a
rebuild from scratch computes; and the pages read them."""

import contextlib
import datetime as dt
import random
from collections import Counter, defaultdict
from itertools import groupby

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from accounts.models import StakeholderGroup
from accounts.services import account_delete, profile_update
from consultation import services
from consultation.counting import counted_comments, counted_positions
from consultation.models import (
    Amendment,
    Comment,
    ContributorCount,
    GroupCount,
    Position,
    RecommendationCount,
    StanceCount,
    ThreadCount,
    WeekCount,
)
from consultation.services.summaries import summaries_rebuild
from moderation.models import ModerationAction, ModerationPolicy
from moderation.services import AlreadyDecided, content_decide, flag_create
from recommendations.hooks import recommendation_moved
from results.selectors import KEY_COMMENTS, _key_comments, _participation

Action = ModerationAction.Action
STEPS = 90


def summary_rows() -> dict:
    """Every summary row that counts something (a row brought back to zero is no difference)."""
    return {
        "stance": {
            (r.recommendation_id, r.version_id, r.group_key, r.stance): (r.count, r.reasons)
            for r in StanceCount.objects.exclude(count=0)
        },
        "recommendation": {
            r.recommendation_id: (r.positions, r.endorsements, r.comments, r.amendments)
            for r in RecommendationCount.objects.all()
            if (r.positions, r.endorsements, r.comments, r.amendments) != (0, 0, 0, 0)
        },
        "week": {
            (r.recommendation_id, r.week): (r.positions, r.comments)
            for r in WeekCount.objects.all()
            if (r.positions, r.comments) != (0, 0)
        },
        "thread": {
            r.root_id: (r.recommendation_id, r.created_at, r.shown, r.replies)
            for r in ThreadCount.objects.all()
            if (r.shown, r.replies) != (0, 0)
        },
        "contributor": {
            (r.consultation_id, r.pillar_key, r.group_key, r.person_key): r.contributions
            for r in ContributorCount.objects.exclude(contributions=0)
        },
        "group": {
            (r.consultation_id, r.pillar_key, r.group_key): (
                r.participants,
                r.positions,
                r.comments,
            )
            for r in GroupCount.objects.all()
            if (r.participants, r.positions, r.comments) != (0, 0, 0)
        },
    }


class World:
    """Three recommendations (two in one pillar), eight people in several groups (and none),
    two moderators."""

    def __init__(self, rng, recommendation, recommendation_factory, make_person):
        self.rng = rng
        consultation = recommendation.pillar.consultation
        self.recommendations = [
            recommendation,
            recommendation_factory(pillar=recommendation.pillar, reference="P1-R2"),
            recommendation_factory(pillar__consultation=consultation, reference="P2-R1"),
        ]
        # "hold" in a text sends it to the moderators first.
        ModerationPolicy.objects.create(
            consultation=recommendation.pillar.consultation, review_terms="hold"
        )
        self.groups = [*StakeholderGroup.objects.order_by("pk")[:3], None]
        self.people = [
            make_person(
                f"p{i}@example.org",
                display_name=f"Person {i}",
                stakeholder_group=self.groups[i % len(self.groups)],
            )
            for i in range(8)
        ]
        self.moderators = [
            make_person(f"m{i}@example.org", groups=["Moderators"], display_name=f"Mod {i}")
            for i in range(2)
        ]

    def pick(self, items):
        return self.rng.choice(list(items)) if items else None

    def person(self):
        return self.pick([p for p in self.people if p.deleted_at is None])

    def text(self):
        return self.pick(["Fine.", "Needs work.", "Please hold this back.", "Agreed here."])

    # -- the writes ---------------------------------------------------------------------------

    def take(self):
        stance = self.pick(Position.Stance.values)
        services.position_take(
            author=self.person(),
            recommendation=self.pick(self.recommendations),
            stance=stance,
            reason="" if stance == "endorse" and self.rng.random() < 0.5 else self.text(),
        )

    def withdraw(self):
        position = self.pick(Position.objects.select_related("author", "recommendation"))
        if position:
            services.position_withdraw(
                author=position.author, recommendation=position.recommendation
            )

    def comment(self):
        recommendation = self.pick(self.recommendations)
        parent = self.pick(Comment.objects.filter(recommendation=recommendation, deleted_at=None))
        services.comment_create(
            author=self.person(),
            recommendation=recommendation,
            body=self.text(),
            parent=parent if self.rng.random() < 0.5 else None,
        )

    def edit(self):
        comment = self.pick(Comment.objects.filter(deleted_at=None).select_related("author"))
        if comment:
            services.comment_edit(comment=comment, acting_user=comment.author, body=self.text())

    def remove(self):
        comment = self.pick(Comment.objects.filter(deleted_at=None).select_related("author"))
        if comment:
            services.comment_delete(comment=comment, acting_user=comment.author)

    def propose(self):
        recommendation = self.pick(self.recommendations)
        services.amendment_propose(
            author=self.person(),
            recommendation=recommendation,
            title=f"New title {self.rng.randrange(10**6)}",
            body="New wording.",
            justification=self.text(),
        )

    def reword(self):
        """An amendment accepted: the recommendation's next version."""
        amendment = self.pick(
            Amendment.objects.filter(status=Amendment.Status.OPEN, moderation_state="published")
        )
        if amendment:
            services.amendment_accept(amendment=amendment, acting_user=self.pick(self.moderators))

    def decide(self):
        model = self.pick([Position, Comment, Amendment])
        content = self.pick(model.objects.all())
        if content:
            content_decide(
                acting_user=self.pick(self.moderators),
                content=content,
                action=self.pick([Action.APPROVE, Action.REJECT, Action.HIDE, Action.RESTORE]),
                reason="Checked.",
                expected_state=content.moderation_state,
            )

    def report(self):
        content = self.pick(Comment.objects.filter(moderation_state="published"))
        if content:
            flag_create(acting_user=self.person(), content=content, reason="spam")

    def regroup(self):
        person = self.person()
        person.stakeholder_group = self.pick(self.groups)
        profile_update(user=person, data={"stakeholder_group": person.stakeholder_group})

    def erase(self):
        if self.rng.random() < 0.3:
            person = self.person()
            account_delete(user=person)
            person.refresh_from_db()

    WRITES = [
        take, take, take, withdraw, comment, comment, edit, remove, propose, reword,
        decide, decide, report, regroup, erase,
    ]  # fmt: skip

    def step(self):
        write = self.pick(self.WRITES)
        # A write refused as the page would refuse it writes nothing.
        with contextlib.suppress(ValidationError, PermissionDenied, AlreadyDecided):
            write(self)


@pytest.mark.parametrize(("seed", "keep_positions"), [(1, True), (2, True), (3, False)])
def test_the_summaries_equal_a_rebuild_after_random_writes(
    settings, seed, keep_positions, recommendation, recommendation_factory, make_person
):
    settings.DELETED_ACCOUNTS_KEEP_POSITIONS = keep_positions
    settings.RATELIMIT_ENABLE = False
    world = World(random.Random(seed), recommendation, recommendation_factory, make_person)
    start = timezone.now()  # the consultation opened now
    for n in range(STEPS):
        with freeze_time(start + dt.timedelta(days=n // 3)):  # a month: several weeks
            world.step()
    incremental = summary_rows()
    assert incremental["stance"] and incremental["week"]  # the mix did count something
    assert incremental["group"]
    summaries_rebuild()
    assert summary_rows() == incremental


def _key_comments_by_the_rule(ids) -> list:
    """Each recommendation's counted threads ranked by their counted replies, oldest first
    among equals, computed from every comment."""
    counted = list(counted_comments().filter(recommendation_id__in=ids))
    replies = Counter(c.root_id for c in counted if c.root_id)
    ranked = sorted(
        (c for c in counted if c.root_id is None),
        key=lambda c: (c.recommendation_id, -replies[c.pk], c.created_at, c.pk),
    )
    picked = []
    for _recommendation, threads in groupby(ranked, key=lambda c: c.recommendation_id):
        picked += [(c.pk, replies[c.pk]) for c in list(threads)[:KEY_COMMENTS]]
    return picked


def _participation_by_the_rule(consultation, pillar) -> list:
    """Participants, positions and comments by group, computed from every contribution."""
    rows = defaultdict(lambda: [set(), 0, 0])
    for qs, kind in ((counted_positions(), 1), (counted_comments(), 2)):
        qs = qs.filter(recommendation__consultation=consultation)
        if pillar is not None:
            qs = qs.filter(recommendation__pillar=pillar)
        for c in qs.select_related("author__stakeholder_group"):
            group = c.author.stakeholder_group
            row = rows[(group is None, group.position if group else 0, group.name if group else "")]
            row[0].add(c.author_id)
            row[kind] += 1
    return [
        (len(people), positions, comments)
        for _k, (people, positions, comments) in sorted(rows.items())
    ]


@pytest.mark.parametrize("seed", [4, 5])
def test_the_reports_reads_from_the_summaries_follow_the_rule(
    settings, seed, recommendation, recommendation_factory, make_person
):
    """Key comments and participation read from the summaries after random writes are what
    the rule computes from every row (rebuild = increments is the test above)."""
    settings.RATELIMIT_ENABLE = False
    world = World(random.Random(seed), recommendation, recommendation_factory, make_person)
    for _ in range(STEPS):
        world.step()
    ids = [r.pk for r in world.recommendations]
    key_comments = _key_comments_by_the_rule(ids)
    assert any(replies for _pk, replies in key_comments)  # the mix did reply to something
    assert [(c.pk, c.reply_count) for c in _key_comments(ids)] == key_comments
    consultation = recommendation.pillar.consultation
    for pillar in (None, *{r.pillar for r in world.recommendations}):
        read = [
            (r.participants, r.positions, r.comments) for r in _participation(consultation, pillar)
        ]
        assert read == _participation_by_the_rule(consultation, pillar)


def test_the_rebuild_command_recomputes_rows_written_behind_the_services_back(
    recommendation, stakeholder, position_factory, comment_factory
):
    position_factory(recommendation=recommendation, author=stakeholder)
    comment_factory(recommendation=recommendation, author=stakeholder)
    assert not StanceCount.objects.exists()
    call_command("summaries_rebuild", verbosity=0)
    counts = RecommendationCount.objects.get(recommendation=recommendation)
    assert (counts.positions, counts.endorsements, counts.comments) == (1, 1, 1)
    row = StanceCount.objects.get()
    assert (row.group_key, row.stance, row.count) == (
        stakeholder.stakeholder_group_id,
        "endorse",
        1,
    )


def test_a_change_of_group_moves_the_persons_positions(recommendation, stakeholder):
    services.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    before = stakeholder.stakeholder_group_id
    other = StakeholderGroup.objects.exclude(pk=before).first()
    stakeholder.stakeholder_group = other
    profile_update(user=stakeholder, data={"stakeholder_group": other})
    assert dict(StanceCount.objects.values_list("group_key", "count")) == {before: 0, other.pk: 1}
    account_delete(user=stakeholder)  # erased: kept, under no group
    assert dict(StanceCount.objects.values_list("group_key", "count")) == {
        before: 0,
        other.pk: 0,
        0: 1,
    }


def test_a_recommendations_move_to_another_pillar_moves_its_participation(
    recommendation, stakeholder, pillar_factory
):
    """What the administrator's edit calls (recommendations.hooks.recommendation_moved)."""
    services.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    services.comment_create(author=stakeholder, recommendation=recommendation, body="Fine.")
    before = recommendation.pillar_id
    recommendation.pillar = pillar_factory(consultation=recommendation.pillar.consultation)
    recommendation.save(update_fields=["pillar"])
    recommendation_moved(recommendation=recommendation, before_pillar_id=before)
    moved = summary_rows()
    assert {k[1]: v for k, v in moved["group"].items()} == {
        0: (1, 1, 1),
        recommendation.pillar_id: (1, 1, 1),
    }
    summaries_rebuild()
    assert summary_rows() == moved

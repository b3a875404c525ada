"""The reads whose cost does not grow with the site (issue #19) pick what the rules say: the
report's representative reasons (read from an index, counted from the summary) against the
rule applied to every row; the search's bounded candidates still find a rare word; the
moderation queue, read only as far as its page goes, pages as the whole queue sorted would."""

import random
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from accounts.models import StakeholderGroup
from consultation import services as consultation_services
from consultation.models import Comment, ModerationState, Position
from moderation import selectors as queue
from moderation import services as moderation_services
from moderation.models import Flag
from results import search as search_module
from results.selectors import NO_GROUP, REASONS_PER_GROUP, consultation_report
from tests.test_results import take

STANCES = list(Position.Stance.values)


def _expected_reasons(recommendation) -> dict[str, list[int]]:
    """The rule, on every row: per group the best counted reason of each stance (on behalf of
    an organisation first, then the most recent, then the latest made), the stances with the
    most reasons first (ties in the stances' order), two of them."""
    best, held = {}, {}
    for p in Position.objects.filter(
        recommendation=recommendation, moderation_state=ModerationState.PUBLISHED
    ).exclude(reason=""):
        group = p.author.stakeholder_group
        cell = (group.name if group else NO_GROUP, p.stance)
        held[cell] = held.get(cell, 0) + 1
        key = (p.on_behalf_of_organisation, p.updated_at, p.pk)
        if cell not in best or key > best[cell][0]:
            best[cell] = (key, p.pk)
    by_group = {}
    for (group, stance), (_key, pk) in best.items():
        by_group.setdefault(group, []).append((-held[group, stance], STANCES.index(stance), pk))
    return {
        group: [pk for *_order, pk in sorted(cells)[:REASONS_PER_GROUP]]
        for group, cells in by_group.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_representative_reasons_are_the_rules_on_a_random_world(
    seed, consultation_factory, pillar_factory, recommendation_factory, make_person
):
    rng = random.Random(seed)
    consultation = consultation_factory(slug="world")
    pillar = pillar_factory(consultation=consultation, code="P1")
    recommendations = [
        recommendation_factory(pillar=pillar, reference=f"R{i}", position=i) for i in range(3)
    ]
    groups = [*StakeholderGroup.objects.order_by("position")[:3], None]
    now = timezone.now()
    for i in range(40):
        person = make_person(f"p{i}@example.org", stakeholder_group=rng.choice(groups))
        for recommendation in rng.sample(recommendations, rng.randint(1, 3)):
            stance = rng.choice(STANCES)
            reason = "" if stance == "endorse" and rng.random() < 0.5 else f"Reason {i}."
            state = rng.choice([ModerationState.PUBLISHED] * 5 + [ModerationState.HIDDEN])
            # Few distinct times: ties go to the later made.
            position = take(
                person,
                recommendation,
                stance,
                reason,
                state,
                now - timedelta(hours=rng.randint(0, 5)),
            )
            if rng.random() < 0.2:
                Position.objects.filter(pk=position.pk).update(on_behalf_of_organisation=True)
    report = consultation_report(consultation=consultation)
    for recommendation in recommendations:
        picked = report.entries[recommendation.pk].reasons
        assert {group: [p.pk for p in positions] for group, positions in picked.items()} == (
            _expected_reasons(recommendation)
        )


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text ranking needs PostgreSQL"
)


@postgres_only
@pytest.mark.django_db
def test_search_bounds_the_common_words_candidates_and_still_finds_a_rare_one(
    monkeypatch, consultation_factory, pillar_factory, recommendation_factory, make_person
):
    monkeypatch.setattr(search_module, "CANDIDATES", 5)
    author = make_person("writer@example.org")
    pillar = pillar_factory(consultation=consultation_factory(slug="open"))
    common = recommendation_factory(pillar=pillar, reference="COMMON", title="Budgets")
    rare = recommendation_factory(pillar=pillar, reference="RARE", title="Staffing")
    for i in range(30):
        Comment.objects.create(
            recommendation=common, author=author, body=f"Reimbursement {i}.", body_html="x"
        )
    Comment.objects.create(
        recommendation=rare,
        author=author,
        body="Reimbursement and cryopreservation.",
        body_html="x",
    )
    anonymous = AnonymousUser()
    page = search_module.search(query="cryopreservation", user=anonymous)
    assert [hit.recommendation.reference for hit in page] == ["RARE"]
    assert "<mark>cryopreservation</mark>" in str(page[0].matched[0].text)
    page = search_module.search(query="reimbursement", user=anonymous)
    assert {hit.recommendation.reference for hit in page} <= {"COMMON", "RARE"}
    assert "COMMON" in {hit.recommendation.reference for hit in page}


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["flags", "oldest", "newest"])
def test_the_queue_pages_as_the_whole_queue_sorted(sort, monkeypatch, recommendation, make_person):
    monkeypatch.setattr(queue, "QUEUE_PAGE_SIZE", 4)
    reporter = make_person("reporter@example.org")
    now = timezone.now()
    for i in range(9):
        person = make_person(f"q{i}@example.org")
        pending = consultation_services.comment_create(
            author=person, recommendation=recommendation, body=f"Pending {i}."
        )
        if i % 3 == 0:  # reported, then held for moderation: pending and reported
            moderation_services.flag_create(acting_user=reporter, content=pending, reason="spam")
        Comment.objects.filter(pk=pending.pk).update(
            moderation_state=ModerationState.PENDING, created_at=now - timedelta(hours=i)
        )
        position = consultation_services.position_take(
            author=person, recommendation=recommendation, stance="oppose", reason=f"Reason {i}"
        )
        Position.objects.filter(pk=position.pk).update(created_at=now - timedelta(minutes=7 * i))
        if i % 2:
            moderation_services.flag_create(acting_user=reporter, content=position, reason="spam")
    expected = []  # (open reports, since, key) of every item, from the rows
    for kind, model in (("comment", Comment), ("position", Position)):
        for content in model.objects.filter(recommendation=recommendation):
            flags = Flag.objects.filter(**{kind: content}, resolved_at=None).order_by("created_at")
            if content.moderation_state == ModerationState.PENDING or flags:
                since = flags[0].created_at if flags else content.created_at
                key = f"{kind}:{content.pk}:{content.moderation_state}"
                expected.append((len(flags), since, key))
    if sort == "flags":
        expected.sort(key=lambda e: (-e[0], e[1]))
    else:
        expected.sort(key=lambda e: e[1], reverse=sort == "newest")
    filters = queue.QueueFilters(sort=sort)
    first = queue.queue_page(filters=filters, page=1)
    assert first.paginator.count == len(expected) == 9 + 4  # 9 pending comments, 4 reported
    shown = []
    for number in range(1, first.paginator.num_pages + 1):
        shown += [item.key for item in queue.queue_page(filters=filters, page=number)]
    assert shown == [key for *_order, key in expected]
    assert queue.queue_page(filters=filters, page=99).number == first.paginator.num_pages

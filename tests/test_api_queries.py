"""Constant query counts of the API's lists, for the people and lists tests/test_api.py does not
count (it counts every public list as a stakeholder): the moderators' queue and log, and the
lists that show more to a moderator, an author or an anonymous reader. Each list is read at a
small and a larger size of everything it shows, with the same count of queries."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from consultation import services
from consultation.models import Amendment, Comment, ModerationState
from moderation import services as moderation_services
from notifications.models import Notification
from recommendations.models import RecommendationVersion

from . import factories

SIZES = (2, 6)  # what each round adds: 2, then 8 of everything in all


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttles and the contribution rate limits count in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, make_person, moderator, with_totp, stakeholder_group):
    """An open consultation's recommendation; `reader` moderates (with two-factor
    authentication), `decider` takes the decisions (so that `reader` may hear their appeals);
    `author` contributes in every round (some of it pending or hidden: only they and the
    moderators see it) and three `flaggers` report."""
    from accounts.models import StakeholderGroup

    pillar = factories.PillarFactory(consultation=factories.ConsultationFactory(slug="open"))
    recommendation = factories.RecommendationFactory(pillar=pillar, reference="R1")
    return {
        "recommendation": recommendation,
        "reader": with_totp(moderator),
        "decider": with_totp(
            make_person("decider@example.org", groups=["Moderators"], is_staff=True)
        ),
        "author": make_person("author@example.org", stakeholder_group=stakeholder_group),
        "flaggers": [make_person(f"flagger{i}@example.org") for i in range(3)],
        "groups": list(StakeholderGroup.objects.all()),
        "rounds": 0,
    }


def _grow(world, n, make_person):
    """n more of everything the lists and the queue show, each by one more person (in turn
    in each stakeholder group): a version, a comment with a reply, reported; a position,
    reported; an amendment; a comment hidden after three reports (by the system); and of
    `author`'s: a pending comment and amendment, and a comment hidden by a moderator and
    appealed; a notification each for `reader` and `author`."""
    recommendation, author, flaggers = world["recommendation"], world["author"], world["flaggers"]
    world["rounds"] += 1
    latest = recommendation.versions.order_by("-number").first().number
    for i in range(n):
        person = make_person(
            f"person{world['rounds']}-{i}@example.org",
            stakeholder_group=world["groups"][i % len(world["groups"])],
        )
        RecommendationVersion.objects.create(
            recommendation=recommendation,
            number=latest + i + 1,
            title=f"V{i}",
            body="B",
            author=person,
        )
        root = services.comment_create(author=person, recommendation=recommendation, body="Top")
        services.comment_create(
            author=flaggers[0], recommendation=recommendation, body="Re", parent=root
        )
        moderation_services.flag_create(acting_user=flaggers[0], content=root, reason="spam")
        position = services.position_take(
            author=person, recommendation=recommendation, stance="endorse"
        )
        moderation_services.flag_create(acting_user=flaggers[0], content=position, reason="spam")
        services.amendment_propose(
            author=person, recommendation=recommendation, title="T", body="B", justification="J"
        )
        spam = services.comment_create(author=person, recommendation=recommendation, body="Buy")
        for flagger in flaggers:
            moderation_services.flag_create(acting_user=flagger, content=spam, reason="spam")

        pending = services.comment_create(author=author, recommendation=recommendation, body="?")
        amendment = services.amendment_propose(
            author=author, recommendation=recommendation, title="T", body="B", justification="J"
        )
        for model, pk in ((Comment, pending.pk), (Amendment, amendment.pk)):
            model.objects.filter(pk=pk).update(moderation_state=ModerationState.PENDING)
        hidden = services.comment_create(author=author, recommendation=recommendation, body="Ad")
        decision = moderation_services.content_decide(
            acting_user=world["decider"],
            content=hidden,
            action="hide",
            reason="Advertising.",
            expected_state="published",
        )
        moderation_services.appeal_create(acting_user=author, decision=decision, text="No.")
        for reader in (world["reader"], author):
            Notification.objects.create(user=reader, kind="reply", message="n")
        cache.clear()  # the contribution rate limits


def _assert_constant(world, make_person, django_assert_num_queries, user, url, queries):
    client = APIClient()
    client.force_authenticate(user)  # no session, no token: the counts are the list's own
    counts = []
    for n in SIZES:
        _grow(world, n, make_person)
        with django_assert_num_queries(queries):
            response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        counts.append(response.json()["count"])
    assert counts[1] > counts[0]  # the second size really shows more


# -- The moderators' queue and log ----------------------------------------------------------

# Moderates: the moderator's groups (moderation.view_queue), their TOTP authenticator
# (two-factor authentication): 2 queries before the view's own.
MODERATES = 2
# The queue (moderation.selectors.queue_page), per kind shown: its reported contributions
# counted, and in "everything" and "pending" its pending ones without reports too (1 each);
# then each set's first rows (skipped when it is empty), the reported ones ranked on their
# open reports, then read with those reports and the reporters (a prefetch).
COUNT = 1
REPORTED = 3
PENDING = 1
# The open appeals, with their decisions, contents and appellants (1).
APPEALS = 1
# The page's authors' histories: their contributions by state, one query a kind (3), and the
# decisions about them (1).
HISTORIES = 3 + 1
# The consultation of ?consultation=<slug> (1).
CONSULTATION = 1
# Everything: comments reported and pending, amendments pending only, positions reported only.
EVERYTHING = 3 * 2 * COUNT + (REPORTED + PENDING) + PENDING + REPORTED
QUEUE = {
    # name: (query string, queries)
    "everything": ("", MODERATES + EVERYTHING + APPEALS + HISTORIES),
    "pending comments": (
        "?state=pending&kind=comment",
        MODERATES + 2 * COUNT + PENDING + HISTORIES,
    ),
    "reported positions": (
        "?state=flagged&kind=position",
        MODERATES + COUNT + REPORTED + HISTORIES,
    ),
    # only comments are hidden after reports here
    "hidden after reports": ("?state=hidden", MODERATES + 3 * COUNT + REPORTED + HISTORIES),
    "appeals": ("?state=appeals&sort=oldest", MODERATES + APPEALS + HISTORIES),
    "one consultation": (
        "?consultation=open&sort=newest",
        MODERATES + CONSULTATION + EVERYTHING + APPEALS + HISTORIES,
    ),
}


@pytest.mark.parametrize("name", list(QUEUE))
def test_queue_query_count_does_not_grow(world, make_person, django_assert_num_queries, name):
    query, queries = QUEUE[name]
    _assert_constant(
        world,
        make_person,
        django_assert_num_queries,
        world["reader"],
        "/api/moderation/queue/" + query,
        queries,
    )


# The log (moderation.log.log_page): the count, then the page with its actors, the
# people it is about and the consultations in one join (2).
LOG_PAGE = 2
LOG = {
    # name: (query string, queries)
    "everything": ("", MODERATES + LOG_PAGE),
    "hides": ("?action=hide&kind=comment", MODERATES + LOG_PAGE),
    "the system's": ("?actor=system&since=2000-01-01", MODERATES + LOG_PAGE),
    "one consultation": (
        "?consultation=open&until=2999-12-31",
        MODERATES + CONSULTATION + LOG_PAGE,
    ),
}


@pytest.mark.parametrize("name", list(LOG))
def test_log_query_count_does_not_grow(world, make_person, django_assert_num_queries, name):
    query, queries = LOG[name]
    _assert_constant(
        world,
        make_person,
        django_assert_num_queries,
        world["reader"],
        "/api/moderation/log/" + query,
        queries,
    )


# -- The recommendation's lists, for those who see more (or less) than a stakeholder ---------

R = "/api/consultations/open/recommendations/R1/"
# Loading a recommendation is the pages' helper: the consultation, then the recommendation and
# its four prefetches (advocates, challenges, versions, the versions' authors): 6 queries.
RECOMMENDATION = 6
LISTS = {
    # name: (address, queries)
    "comments": (R + "comments/", RECOMMENDATION + 3),  # + count, threads, their first replies
    "positions": (R + "positions/", RECOMMENDATION + 2),  # + count, page
    "amendments": (R + "amendments/", RECOMMENDATION + 2),  # + count, page
    "versions": (R + "versions/", RECOMMENDATION + 2),  # + count, page
    "notifications": ("/api/notifications/", 2),  # count, page
}
# Anonymous readers see only what is published; an author also their own pending and hidden
# contributions; a moderator everything. Notifications are a signed-in person's own.
CASES = [
    (name, role)
    for name in LISTS
    for role in ("anonymous", "author", "moderator")
    if not (name == "notifications" and role == "anonymous")
]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_list_query_count_does_not_grow_for_each_reader(
    world, make_person, django_assert_num_queries, name, role
):
    address, queries = LISTS[name]
    user = {"anonymous": None, "author": world["author"], "moderator": world["reader"]}[role]
    _assert_constant(world, make_person, django_assert_num_queries, user, address, queries)

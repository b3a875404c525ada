"""The parts of the recommendation's page kept in the cache (core.templatetags.fragments, keyed
by core.versioning's scopes): a second anonymous reading costs fewer queries, and each event
that changes what a fragment shows replaces its version, so the next reading shows the change
(the fragments it does not touch stay kept: a comment leaves the recommendation's text)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services.privacy import account_delete
from consultation import selectors
from consultation.models import ModerationState, Position
from consultation.services import comment_create, comment_edit, position_take
from core import versioning
from moderation.services import content_decide
from recommendations import views as recommendation_views
from recommendations.services import recommendation_reword


def read(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.fixture
def page(recommendation):
    return recommendation.get_absolute_url()


@pytest.fixture
def kept(client, page):
    """Read the page twice: the second reading is served from the fragments (fewer queries).
    Returns its cost."""

    def check() -> int:
        _, fresh = read(client, page)
        html, cached = read(client, page)
        assert cached < fresh
        return cached

    return check


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service's after-commit work (the versions' replacement) as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def hide(commit, moderator):
    """A moderator hides a published contribution."""

    def run(content):
        commit(
            content_decide,
            acting_user=moderator,
            content=content,
            action="hide",
            reason="Off topic.",
            expected_state=ModerationState.PUBLISHED,
        )

    return run


@pytest.mark.django_db
def test_a_comment_posted_then_edited_shows_at_once(
    client, page, kept, commit, recommendation, stakeholder
):
    first = commit(comment_create, author=stakeholder, recommendation=recommendation, body="A1.")
    cached = kept()
    commit(comment_create, author=stakeholder, recommendation=recommendation, body="Second.")
    html, cost = read(client, page)
    assert "Second." in html and cost > cached  # the threads read again
    assert read(client, page)[1] == cached  # and kept again
    commit(comment_edit, comment=first, acting_user=stakeholder, body="First, edited.")
    html, _ = read(client, page)
    assert "First, edited." in html and 'class="edited"' in html


@pytest.mark.django_db
def test_a_comment_hidden_by_a_moderator_shows_as_hidden(
    client, page, kept, commit, hide, recommendation, stakeholder
):
    comment = commit(
        comment_create, author=stakeholder, recommendation=recommendation, body="Rude words."
    )
    kept()
    hide(comment)
    html, _ = read(client, page)
    assert "Rude words." not in html and "Hidden by the moderators" in html


@pytest.mark.django_db
def test_a_position_taken_changes_the_breakdown_and_the_list(
    client, page, kept, commit, recommendation, stakeholder
):
    kept()
    commit(
        position_take,
        author=stakeholder,
        recommendation=recommendation,
        stance=Position.Stance.ENDORSE,
        reason="Long overdue.",
    )
    html, _ = read(client, page)
    assert "1 position: 1 endorse" in html and "Long overdue." in html


@pytest.mark.django_db
def test_a_moderators_decision_on_a_position_hides_its_reason(
    client, page, kept, commit, hide, recommendation, stakeholder
):
    position = commit(
        position_take,
        author=stakeholder,
        recommendation=recommendation,
        stance=Position.Stance.OPPOSE,
        reason="Insulting reason.",
    )
    kept()
    hide(position)
    assert "Insulting reason." not in read(client, page)[0]


@pytest.mark.django_db
def test_a_rewording_changes_the_text_and_the_version_history(
    client, page, kept, commit, recommendation, superuser
):
    kept()
    commit(
        recommendation_reword,
        recommendation=recommendation,
        acting_user=superuser,
        title="A new title",
        body="A body in new words.",
        reason="Clearer.",
    )
    html, _ = read(client, page)
    assert "A body in new words." in html and "Version 2" in html


@pytest.mark.django_db
def test_the_erasure_of_an_author_renames_them_in_the_threads(
    client, page, kept, commit, recommendation, stakeholder
):
    commit(comment_create, author=stakeholder, recommendation=recommendation, body="Mine.")
    kept()
    assert "Sam Stakeholder" in read(client, page)[0]
    commit(account_delete, user=stakeholder)
    html, _ = read(client, page)
    assert "Sam Stakeholder" not in html and "Former participant" in html


@pytest.mark.django_db
def test_a_login_changes_nothing_shown(client, page, recommendation, stakeholder, commit):
    """Signing in saves `last_login` only: no fragment is replaced."""
    before = selectors.dialogue_version(recommendation)
    commit(stakeholder.save, update_fields=["last_login"])
    assert selectors.dialogue_version(recommendation) == before
    commit(stakeholder.save, update_fields=["display_name"])
    assert selectors.dialogue_version(recommendation) != before


@pytest.mark.django_db
def test_signed_in_readers_get_their_own_threads(client, page, commit, recommendation, stakeholder):
    """The threads, positions and amendments of a signed-in reader are never kept (their
    forms): only the parts the same for everyone are."""
    commit(comment_create, author=stakeholder, recommendation=recommendation, body="Mine.")
    section = selectors.comment_section(recommendation=recommendation, viewer=AnonymousUser())
    assert section["public_version"]
    section = selectors.comment_section(recommendation=recommendation, viewer=stakeholder)
    assert section["public_version"] is None
    client.force_login(stakeholder)
    html = client.get(page).content.decode()
    assert 'class="comment-action edit"' in html  # their own comment's form


@pytest.mark.django_db
def test_without_the_cache_the_page_renders_afresh(client, page, recommendation, monkeypatch):
    """No version (the cache did not answer): every fragment renders, nothing is kept."""
    for module in (versioning, selectors, recommendation_views):
        monkeypatch.setattr(module, "version_of", lambda *scopes: None)
    _, first = read(client, page)
    html, second = read(client, page)
    assert first == second and recommendation.body in html
    assert not [key for key in cache._cache if "template.cache" in key]  # noqa: SLF001

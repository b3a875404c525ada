"""Amendments: proposing new wording read as a word diff, endorsing, accepting into a new
version credited to its author, competing amendments made outdated and updated, rejecting,
withdrawing, who may do what, the closed consultation, rate limits, the version comparison
and the recommendation page's query count."""

import pytest
from django.urls import reverse

from accounts.models import StakeholderGroup, User
from consultation import services
from consultation.models import Amendment, AmendmentEndorsement, Comment, Follow
from recommendations.models import Consultation, RecommendationVersion

TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def author(make_person, stakeholder_group):
    return make_person(
        "author@example.org", display_name="Ann Author", stakeholder_group=stakeholder_group
    )


@pytest.fixture
def amendment(author, recommendation):
    return services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=TITLE,
        body="Regulators should publish binding guidance on plant material.",
        justification="Clear is not enough.",
        evidence_links=["https://example.org/study"],
    )


def url(name, rec, *args):
    return reverse(f"consultation:{name}", args=[rec.consultation.slug, rec.reference, *args])


def wording(**changes):
    data = {
        "title": TITLE,
        "body": "Regulators should publish binding guidance on plant material.",
        "justification": "Clear is not enough.",
        "evidence_links": "https://example.org/study\n\nhttps://example.org/report",
    }
    data.update(changes)
    return data


# -- Proposing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_propose_shows_the_word_diff_against_the_version_it_was_written_on(
    client, stakeholder, recommendation
):
    client.force_login(stakeholder)
    form = client.get(url("amendment_propose", recommendation))
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{TITLE}"' in html and f">{BODY}</textarea>" in html  # prefilled
    assert 'name="csrfmiddlewaretoken"' in html

    response = client.post(url("amendment_propose", recommendation), wording(base="1"))
    amendment = Amendment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("amendment", recommendation, amendment.pk)
    assert (amendment.author, amendment.base_version.number, amendment.status) == (
        stakeholder,
        1,
        "open",
    )
    assert amendment.evidence_links == ["https://example.org/study", "https://example.org/report"]
    assert Follow.objects.filter(user=stakeholder, recommendation=recommendation).exists()

    html = client.get(response["Location"]).content.decode()
    assert "publish <del>clear </del><ins>binding </ins>guidance" in html
    assert "against version 1 (the current wording)" in html
    assert "Clear is not enough." in html
    assert (
        '<a href="https://example.org/study" rel="nofollow ugc noopener">'
        "https://example.org/study</a>" in html
    )

    # The recommendation's page lists it with its status, author and counts.
    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert f"Amendment #{amendment.pk}</strong>: {TITLE}" in html
    assert "amendment-status-open" in html and "Sam Stakeholder" in html
    assert "0 endorsements · 0 comments" in html
    assert url("amendment_propose", recommendation) in html


@pytest.mark.django_db
def test_the_amendment_page_holds_its_own_comments(client, stakeholder, amendment):
    rec = amendment.recommendation
    services.comment_create(author=stakeholder, recommendation=rec, body="On the recommendation.")
    client.force_login(stakeholder)
    comments = url("amendment_comments", rec, amendment.pk)
    response = client.post(comments, {"body": "On the *amendment*."}, headers=HTMX)
    assert response.status_code == 200
    html = client.get(url("amendment", rec, amendment.pk)).content.decode()
    section = html[html.index('<section id="comments"') :]
    assert f"Comments on amendment #{amendment.pk}" in section
    assert "<p>On the <em>amendment</em>.</p>" in section
    assert "On the recommendation." not in section
    assert f'data-hx-post="{comments}"' in section  # its form posts to the amendment's comments
    assert "0 endorsements · 1 comment" in client.get(rec.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_validation_errors_keep_the_text(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    data = wording(justification="  ", evidence_links="ftp://example.org/x")
    response = client.post(url("amendment_propose", recommendation), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html
    assert "binding guidance on plant material.</textarea>" in html  # the proposed text kept
    assert "ftp://example.org/x</textarea>" in html
    assert not Amendment.objects.exists()

    response = client.post(url("amendment_propose", recommendation), wording(evidence_links="x"))
    assert response.status_code == 422
    assert "Not a web address: x" in response.content.decode()
    assert "Clear is not enough.</textarea>" in response.content.decode()


@pytest.mark.django_db
def test_the_same_wording_is_refused(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    response = client.post(
        url("amendment_propose", recommendation), wording(title=TITLE, body=BODY)
    )
    assert response.status_code == 422
    assert "The proposed wording is the same as the current one." in response.content.decode()
    assert not Amendment.objects.exists()


@pytest.mark.django_db
def test_a_wording_changed_while_writing_is_caught_and_the_text_kept(
    client, stakeholder, moderator, recommendation, amendment
):
    client.force_login(stakeholder)
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    data = wording(body="Something else entirely.", base="1")  # written on version 1
    response = client.post(url("amendment_propose", recommendation), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "it now reads as version 2" in html
    assert "Something else entirely.</textarea>" in html
    assert 'name="base" value="2"' in html  # submitting again builds on version 2
    assert Amendment.objects.count() == 1


# -- Endorsing ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_endorse_once_in_place_and_without_javascript(client, stakeholder, amendment):
    rec = amendment.recommendation
    client.force_login(stakeholder)
    page = client.get(url("amendment", rec, amendment.pk)).content.decode()
    assert "0 endorsements" in page and "Endorse this amendment" in page

    response = client.post(url("amendment_endorse", rec, amendment.pk), {"endorse": "1"})
    assert response.status_code == 302  # without JavaScript: back to the page
    response = client.post(
        url("amendment_endorse", rec, amendment.pk), {"endorse": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="endorsements"')  # the part htmx swaps
    assert "1 endorsement</strong> · you endorse it" in html
    assert "Take back my endorsement" in html
    assert AmendmentEndorsement.objects.filter(amendment=amendment).count() == 1

    assert "1 endorsement · 0 comments" in client.get(rec.get_absolute_url()).content.decode()

    client.post(url("amendment_endorse", rec, amendment.pk), {"endorse": "0"}, headers=HTMX)
    assert not AmendmentEndorsement.objects.exists()


@pytest.mark.django_db
def test_the_author_does_not_endorse_their_own_amendment(client, author, amendment):
    client.force_login(author)
    page = client.get(url("amendment", amendment.recommendation, amendment.pk)).content.decode()
    assert "Endorse this amendment" not in page
    response = client.post(
        url("amendment_endorse", amendment.recommendation, amendment.pk),
        {"endorse": "1"},
        headers=HTMX,
    )
    assert response.status_code == 403
    assert "others endorse it" in response.content.decode()
    assert not AmendmentEndorsement.objects.exists()


# -- Accepting, outdating, updating ---------------------------------------------------------


@pytest.mark.django_db
def test_accept_makes_a_new_version_credited_to_the_amendment_and_its_author(
    client, moderator, with_totp, author, amendment
):
    rec = amendment.recommendation
    client.force_login(with_totp(moderator))
    page = client.get(url("amendment", rec, amendment.pk)).content.decode()
    assert "Accept: publish as version 2" in page and 'id="reject"' in page

    response = client.post(
        url("amendment_decide", rec, amendment.pk), {"decision": "accept", "reason": "Agreed."}
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    rec.refresh_from_db()
    version = RecommendationVersion.objects.get(recommendation=rec, number=2)
    assert (amendment.status, amendment.decided_by, amendment.resulting_version) == (
        "accepted",
        moderator,
        version,
    )
    assert version.author == author and version.from_amendment == amendment
    assert version.reason == f"Amendment #{amendment.pk} accepted: Agreed."
    assert (
        (rec.title, rec.body) == (amendment.title, amendment.body) == (version.title, version.body)
    )

    html = client.get(response["Location"]).content.decode()
    assert "Accepted by Mo Derator" in html and "version 2</a>" in html
    assert 'id="accept"' not in html  # decided: no more decisions
    html = client.get(rec.get_absolute_url()).content.decode()
    assert "binding guidance" in html and "Version 2" in html
    assert "amendment-status-accepted" in html


@pytest.mark.django_db
def test_an_overlong_acceptance_note_is_refused_not_a_server_error(
    client, moderator, with_totp, amendment
):
    client.force_login(with_totp(moderator))
    response = client.post(
        url("amendment_decide", amendment.recommendation, amendment.pk),
        {"decision": "accept", "reason": "x" * 3_001},
    )
    assert response.status_code == 422
    assert "Keep it under 3,000 characters" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == "open"


@pytest.mark.django_db
def test_competing_amendments_become_outdated_and_their_author_updates_onto_the_new_wording(
    client, make_person, moderator, author, amendment
):
    rec = amendment.recommendation
    rival = make_person("rival@example.org", display_name="Rita Rival")
    other = services.amendment_propose(
        author=rival,
        recommendation=rec,
        title=TITLE,
        body="Regulators should publish clear guidance on plant material within a year.",
        justification="A deadline.",
    )
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    other.refresh_from_db()
    assert other.status == "outdated" and other.base_version.number == 1

    # Everyone sees the change against the new wording, as well as against its own base.
    client.force_login(moderator)
    html = client.get(url("amendment", rec, other.pk)).content.decode()
    assert "Outdated" in html
    assert 'id="diff-base"' in html and 'id="diff-current"' in html
    assert "its author must update it" not in html  # not open: nothing to decide
    assert 'action="' + url("amendment_update", rec, other.pk) not in html

    client.force_login(rival)
    html = client.get(url("amendment", rec, other.pk)).content.decode()
    current_diff = html.split('id="diff-current"')[1].split("</section>")[0]
    assert "publish <del>binding </del><ins>clear </ins>guidance" in current_diff
    assert "plant material <ins>within a year</ins>." in current_diff
    assert "Update to the current wording" in html
    assert "within a year.</textarea>" in html  # their own text, to edit
    assert 'name="base" value="2"' in html

    data = wording(
        body="Regulators should publish binding guidance on plant material within a year.",
        justification="A deadline.",
        evidence_links="",
        base="2",
    )
    response = client.post(url("amendment_update", rec, other.pk), data)
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.status, other.base_version.number) == ("open", 2)
    html = client.get(url("amendment", rec, other.pk)).content.decode()
    assert "publish binding guidance on plant material <ins>within a year</ins>." in html
    assert 'id="diff-current"' not in html  # on the current wording now


@pytest.mark.django_db
def test_update_with_errors_keeps_the_text(client, author, amendment):
    client.force_login(author)
    rec = amendment.recommendation
    response = client.post(
        url("amendment_update", rec, amendment.pk),
        wording(body="A new text.", justification="", base="1"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html and "A new text.</textarea>" in html
    assert "<details" in html and " open>" in html  # the edit form stays open
    amendment.refresh_from_db()
    assert amendment.justification == "Clear is not enough."


# -- Rejecting and withdrawing --------------------------------------------------------------


@pytest.mark.django_db
def test_reject_requires_a_reason(client, moderator, with_totp, amendment):
    rec = amendment.recommendation
    client.force_login(with_totp(moderator))
    response = client.post(
        url("amendment_decide", rec, amendment.pk), {"decision": "reject", "reason": "  "}
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == "open"

    client.post(
        url("amendment_decide", rec, amendment.pk),
        {"decision": "reject", "reason": "Out of scope."},
    )
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decision_reason) == ("rejected", "Out of scope.")
    html = client.get(url("amendment", rec, amendment.pk)).content.decode()
    assert "Rejected by Mo Derator" in html and "Reason: Out of scope." in html
    assert not RecommendationVersion.objects.filter(number=2).exists()


@pytest.mark.django_db
def test_a_moderator_without_two_factor_is_sent_to_set_it_up_before_deciding(
    client, moderator, amendment
):
    rec = amendment.recommendation
    client.force_login(moderator)
    response = client.post(
        url("amendment_decide", rec, amendment.pk), {"decision": "accept", "reason": "Agreed."}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    amendment.refresh_from_db()
    assert amendment.status == "open"
    assert not RecommendationVersion.objects.filter(recommendation=rec, number=2).exists()
    # allauth asks for the password first; the set-up page then says why.
    client.post(reverse("account_reauthenticate"), {"password": "correct horse battery staple"})
    page = client.get(response["Location"]).content.decode()
    assert "must set up two-factor authentication before they act" in page


@pytest.mark.django_db
def test_only_the_author_withdraws(client, stakeholder, author, amendment):
    rec = amendment.recommendation
    client.force_login(stakeholder)
    assert (
        "Withdraw my amendment"
        not in client.get(url("amendment", rec, amendment.pk)).content.decode()
    )
    response = client.post(url("amendment_withdraw", rec, amendment.pk), follow=True)
    assert "Only its author can withdraw" in response.content.decode()
    amendment.refresh_from_db()
    assert amendment.status == "open"

    client.force_login(author)
    assert (
        "Withdraw my amendment" in client.get(url("amendment", rec, amendment.pk)).content.decode()
    )
    client.post(url("amendment_withdraw", rec, amendment.pk))
    amendment.refresh_from_db()
    assert amendment.status == "withdrawn"
    html = client.get(url("amendment", rec, amendment.pk)).content.decode()
    assert "Withdrawn by its author." in html and "Withdraw my amendment" not in html


# -- Who may do what ------------------------------------------------------------------------

LOGIN, OK, REFUSED = "sign in", "done", "refused"
MATRIX = {
    #             anonymous, stakeholder, author, moderator, admin
    "propose": (LOGIN, OK, OK, OK, OK),
    "decide": (LOGIN, REFUSED, REFUSED, OK, OK),
    "withdraw": (LOGIN, REFUSED, OK, REFUSED, REFUSED),
    "update": (LOGIN, REFUSED, OK, REFUSED, REFUSED),
    "endorse": (LOGIN, OK, REFUSED, OK, OK),
}
ROLES = ("anonymous", "stakeholder", "author", "moderator", "admin")


@pytest.mark.django_db
@pytest.mark.parametrize("action", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(
    client, with_totp, stakeholder, moderator, consultation_admin, author, amendment, action, role
):
    rec = amendment.recommendation
    people = {
        "stakeholder": stakeholder,
        "author": author,
        "moderator": with_totp(moderator),
        "admin": with_totp(consultation_admin),
    }
    if role in people:
        client.force_login(people[role])
    posts = {
        "propose": (url("amendment_propose", rec), wording(body="Another text.")),
        "decide": (url("amendment_decide", rec, amendment.pk), {"decision": "accept"}),
        "withdraw": (url("amendment_withdraw", rec, amendment.pk), {}),
        "update": (url("amendment_update", rec, amendment.pk), wording(body="Updated text.")),
        "endorse": (url("amendment_endorse", rec, amendment.pk), {"endorse": "1"}),
    }
    done = {
        "propose": lambda: Amendment.objects.count() == 2,
        "decide": lambda: Amendment.objects.get(pk=amendment.pk).status == "accepted",
        "withdraw": lambda: Amendment.objects.get(pk=amendment.pk).status == "withdrawn",
        "update": lambda: Amendment.objects.get(pk=amendment.pk).body == "Updated text.",
        "endorse": lambda: AmendmentEndorsement.objects.exists(),
    }
    path, data = posts[action]
    response = client.post(path, data, headers=HTMX)  # htmx: a refusal answers 403 in place
    expected = MATRIX[action][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif expected == REFUSED:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302)
    assert done[action]() is (expected == OK)


@pytest.mark.django_db
def test_the_pages_show_only_the_actions_each_person_may_take(
    client, stakeholder, moderator, author, amendment
):
    rec = amendment.recommendation
    page = url("amendment", rec, amendment.pk)
    html = client.get(page).content.decode()  # anonymous
    assert "Sign in to take part" in html
    assert "<form" not in html.split('id="support-title"')[1].split("</section>")[0]
    for person, visible in [
        (stakeholder, {"Endorse this amendment"}),
        (author, {"Edit your amendment", "Withdraw my amendment"}),
        (moderator, {"Endorse this amendment", "Accept: publish", "Reason for rejecting"}),
    ]:
        client.force_login(person)
        html = client.get(page).content.decode()
        for label in [
            "Endorse this amendment",
            "Edit your amendment",
            "Withdraw my amendment",
            "Accept: publish",
            "Reason for rejecting",
        ]:
            assert (label in html) is (label in visible), (person, label)


@pytest.mark.django_db
def test_a_closed_consultation_is_read_only(
    client, stakeholder, moderator, with_totp, author, amendment
):
    rec = amendment.recommendation
    Consultation.objects.update(state=Consultation.State.CLOSED)
    page = url("amendment", rec, amendment.pk)
    for person in (stakeholder, author, moderator):
        client.force_login(person)
        html = client.get(page).content.decode()
        assert "<form" not in html.split("</h1>")[1].split("</article>")[0], person
        assert "closed to contributions" in html
        listing = client.get(rec.get_absolute_url()).content.decode()
        assert url("amendment_propose", rec) not in listing
        assert f"Amendment #{amendment.pk}" in listing  # still readable

    client.force_login(stakeholder)
    response = client.get(url("amendment_propose", rec), follow=True)
    assert "closed to contributions" in response.content.decode()
    for path, data in [
        (url("amendment_propose", rec), wording(body="Another text.")),
        (url("amendment_endorse", rec, amendment.pk), {"endorse": "1"}),
    ]:
        assert client.post(path, data, headers=HTMX).status_code == 403
    client.force_login(author)
    for path, data in [
        (url("amendment_update", rec, amendment.pk), wording(body="Updated text.")),
        (url("amendment_withdraw", rec, amendment.pk), {}),
    ]:
        assert client.post(path, data, headers=HTMX).status_code == 403
    client.force_login(with_totp(moderator))
    for decision in ("accept", "reject"):
        response = client.post(
            url("amendment_decide", rec, amendment.pk),
            {"decision": decision, "reason": "r"},
            headers=HTMX,
        )
        assert response.status_code == 403
    amendment.refresh_from_db()
    assert amendment.status == "open" and amendment.body.startswith("Regulators should publish b")
    assert Amendment.objects.count() == 1 and not AmendmentEndorsement.objects.exists()


@pytest.mark.django_db
def test_outsiders_get_404_for_a_draft_consultations_amendments(client, stakeholder, amendment):
    rec = amendment.recommendation
    Consultation.objects.update(state=Consultation.State.DRAFT)
    client.force_login(stakeholder)
    assert client.get(url("amendment", rec, amendment.pk)).status_code == 404
    assert client.get(url("versions", rec)).status_code == 404
    assert client.post(url("amendment_endorse", rec, amendment.pk)).status_code == 404


@pytest.mark.django_db
def test_an_amendment_is_found_only_under_its_own_recommendation(
    client, recommendation_factory, amendment
):
    elsewhere = recommendation_factory(pillar=amendment.recommendation.pillar, reference="P1-R2")
    assert client.get(url("amendment", elsewhere, amendment.pk)).status_code == 404


@pytest.mark.django_db
def test_rate_limit_keeps_the_text(client, settings, stakeholder, recommendation):
    settings.RATELIMIT_RATES = {"comment": "10/m", "amendment": "1/h"}
    client.force_login(stakeholder)
    assert client.post(url("amendment_propose", recommendation), wording()).status_code == 302
    response = client.post(url("amendment_propose", recommendation), wording(body="A second idea."))
    assert response.status_code == 429
    html = response.content.decode()
    assert "You are contributing faster than this consultation allows." in html
    assert "A second idea.</textarea>" in html
    assert Amendment.objects.count() == 1


# -- Comparing versions ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_versions_page_compares_version_1_with_version_2(client, moderator, amendment):
    rec = amendment.recommendation
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    page = url("versions", rec)

    for params in ({}, {"a": "1", "b": "2"}):  # by default: the previous and the current
        response = client.get(page, params)
        assert response.status_code == 200
        html = response.content.decode()
        old, new = html.split('class="compare-column compare-old"')[1].split(
            'class="compare-column compare-new"'
        )
        assert "Version 1" in old and "clear guidance" in old and "Reason: Imported" in old
        assert "Version 2" in new and "binding guidance" in new
        assert "Credited to" in new and "Ann Author" in new
        assert f"amendment #{amendment.pk}</a>" in new
        assert "publish <del>clear </del><ins>binding </ins>guidance" in html
        assert '<option value="1" selected>' in html and '<option value="2" selected>' in html

    # The recommendation's page links to the comparison.
    assert page in client.get(rec.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, error",
    [
        ({"a": "one", "b": "2"}, "The first version must be a version number."),
        ({"a": "1", "b": "9"}, "There is no version 9 of this recommendation."),
        ({"a": "", "b": ""}, "The first version must be a version number."),
    ],
)
def test_bad_version_parameters_answer_400_with_the_form(
    client, moderator, amendment, params, error
):
    services.amendment_accept(amendment=amendment, acting_user=moderator)
    response = client.get(url("versions", amendment.recommendation), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html
    assert '<select id="version-a" name="a">' in html
    assert "compare-column" not in html


@pytest.mark.django_db
def test_a_recommendation_with_one_version_says_so(client, recommendation):
    response = client.get(url("versions", recommendation))
    assert response.status_code == 200
    assert "one version so far" in response.content.decode()


# -- The recommendation page's cost ---------------------------------------------------------


def _amendments(rec, n, groups):
    authors = User.objects.bulk_create(
        User(email=f"a{i}@example.org", display_name=f"Author {i}", stakeholder_group=groups[i % 3])
        for i in range(n)
    )
    base = rec.versions.get()
    amendments = Amendment.objects.bulk_create(
        Amendment(
            recommendation=rec,
            author=author,
            base_version=base,
            title=f"Title {i}",
            body=f"Body {i}",
            justification="Because.",
            status=Amendment.Status.values[i % 5],
        )
        for i, author in enumerate(authors)
    )
    AmendmentEndorsement.objects.bulk_create(
        AmendmentEndorsement(amendment=a, user=authors[-1 - i]) for i, a in enumerate(amendments)
    )
    Comment.objects.bulk_create(
        Comment(
            recommendation=rec, amendment=a, author=a.author, body="Hm.", body_html="<p>Hm.</p>"
        )
        for a in amendments
    )
    return amendments


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 50])
def test_the_recommendation_page_costs_the_same_with_1_or_50_amendments(
    client, django_assert_num_queries, stakeholder, recommendation, n
):
    groups = list(StakeholderGroup.objects.all()[:3])
    amendments = _amendments(recommendation, n, groups)
    AmendmentEndorsement.objects.create(amendment=amendments[0], user=stakeholder)
    client.force_login(stakeholder)
    # 1 session, 2 user, 3 consultation, 4 recommendation with its pillar (its consultation
    # set: dialogue_refusal asks no query for it), 5 the viewer's position, 6 whether they
    # follow, 7 the amendments they endorse, 8 their verified e-mail address (may they
    # contribute?), 9 the organisers' response (none yet), 10 its implementation updates,
    # 11 whether the viewer is on the consultation team (responses' panel), 12 its advocates,
    # 13 its challenges, 14 its versions (no authors set: no query for them), 15 positions by
    # stakeholder group, 16 count of positions (none: no page to load), 17 amendments with
    # their authors, groups, base versions and counts, 18 count of comment threads (none: no
    # page to load)
    with django_assert_num_queries(18):
        response = client.get(recommendation.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card amendment-item"') == n
    assert "you endorse it" in html


# -- Moderation of amendments ---------------------------------------------------------------


def _review_term(rec, term):
    from moderation.models import ModerationPolicy

    ModerationPolicy.objects.update_or_create(
        consultation=rec.consultation, defaults={"review_terms": term}
    )


@pytest.mark.django_db
def test_a_pending_amendment_is_approved_before_a_moderator_decides_on_it(
    client, make_person, moderator, with_totp, author, recommendation
):
    from moderation import services as moderation_services
    from moderation.models import ModerationAction

    _review_term(recommendation, "guaranteed")
    held = services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=TITLE,
        body="A guaranteed supply of plant material.",
        justification="Clear is not enough.",
    )
    assert held.moderation_state == "pending"
    client.force_login(with_totp(moderator))
    page = client.get(url("amendment", recommendation, held.pk)).content.decode()
    assert "Accept: publish" not in page and 'id="reject"' not in page
    response = client.post(
        url("amendment_decide", recommendation, held.pk), {"decision": "accept"}, headers=HTMX
    )
    assert response.status_code == 403
    assert "no longer open, or you may not decide on it" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "open"

    other = make_person("mod2@example.org", groups=["Moderators"], is_staff=True)
    moderation_services.content_decide(
        acting_user=other,
        content=held,
        action=ModerationAction.Action.APPROVE,
        expected_state="pending",
    )
    response = client.post(url("amendment_decide", recommendation, held.pk), {"decision": "accept"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == "accepted"


@pytest.mark.django_db
def test_an_updated_amendment_meets_the_moderation_policy_again(client, author, amendment):
    rec = amendment.recommendation
    assert amendment.moderation_state == "published"
    _review_term(rec, "guaranteed")
    client.force_login(author)

    # The same wording keeps its state; a review term in the new wording sends it back.
    client.post(url("amendment_update", rec, amendment.pk), wording(evidence_links=""))
    amendment.refresh_from_db()
    assert amendment.moderation_state == "published"
    response = client.post(
        url("amendment_update", rec, amendment.pk),
        wording(body="A guaranteed supply of plant material."),
    )
    assert response.status_code == 302
    amendment.refresh_from_db()
    assert (amendment.body, amendment.moderation_state) == (
        "A guaranteed supply of plant material.",
        "pending",
    )
    html = client.get(url("amendment", rec, amendment.pk)).content.decode()
    assert "A guaranteed supply" in html  # its author still reads it, marked
    client.logout()
    assert client.get(url("amendment", rec, amendment.pk)).status_code == 404

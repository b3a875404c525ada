"""Positions: one per person, reasons, the earlier-wording flag, the breakdown by group,
following, and double submissions."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import StakeholderGroup, User
from consultation import services
from consultation.models import Follow, Position
from consultation.services import summaries
from notifications.models import Notification
from recommendations.models import Consultation, RecommendationVersion


def url(name, rec):
    return reverse(f"consultation:{name}", args=[rec.consultation.slug, rec.reference])


@pytest.mark.django_db
def test_endorse_change_to_oppose_with_reason_then_withdraw(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    assert (
        client.post(url("position_take", recommendation), {"stance": "endorse"}).status_code == 302
    )
    assert Position.objects.get().stance == "endorse"
    assert Follow.objects.filter(user=stakeholder, recommendation=recommendation).exists()

    response = client.post(url("position_take", recommendation), {"stance": "oppose", "reason": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give a reason to endorse with reservations or to oppose." in html
    assert Position.objects.get().stance == "endorse"  # unchanged

    client.post(url("position_take", recommendation), {"stance": "oppose", "reason": "Too costly."})
    position = Position.objects.get()
    assert (position.stance, position.reason) == ("oppose", "Too costly.")

    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "You oppose this recommendation" in page and "Too costly." in page

    client.post(url("position_withdraw", recommendation))
    assert not Position.objects.exists()


@pytest.mark.django_db
def test_htmx_gets_the_positions_section_back(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    response = client.post(
        url("position_take", recommendation),
        {"stance": "reservations", "reason": "Only with funding."},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="positions"')
    assert "1 position: 0 endorse, 1 with reservations, 0 oppose." in html


@pytest.mark.django_db
def test_only_a_verified_affiliation_speaks_for_its_organisation(
    client, stakeholder, consultation_admin, recommendation
):
    from accounts.services import affiliation_verify

    client.force_login(stakeholder)
    data = {"stance": "endorse", "on_behalf_of_organisation": "on"}
    response = client.post(url("position_take", recommendation), data)
    assert response.status_code == 422
    assert "Only a verified affiliation" in response.content.decode()
    assert not Position.objects.exists()

    affiliation_verify(user=stakeholder, acting_user=consultation_admin)
    client.post(url("position_take", recommendation), data)
    position = Position.objects.get()
    assert position.on_behalf_of_organisation and position.organisation == "Patients Together"
    assert (
        "on behalf of Patients Together"
        in client.get(recommendation.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_refusals_anonymous_closed_and_undeclared(client, make_person, recommendation):
    response = client.post(url("position_take", recommendation), {"stance": "endorse"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    undeclared = make_person("u@example.org", declared=False)
    client.force_login(undeclared)
    response = client.post(url("position_take", recommendation), {"stance": "endorse"}, follow=True)
    assert "Declare your interests" in response.content.decode()

    client.force_login(make_person("ok@example.org"))
    Consultation.objects.update(state=Consultation.State.CLOSED)
    response = client.post(
        url("position_take", recommendation), {"stance": "endorse"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 403
    assert "closed to contributions" in response.content.decode()
    assert not Position.objects.exists()


@pytest.mark.django_db
def test_breakdown_by_stakeholder_group(client, make_person, recommendation):
    groups = {g.slug: g for g in StakeholderGroup.objects.all()}
    for i, (slug, stance) in enumerate(
        [
            ("academia", "endorse"),
            ("academia", "endorse"),
            ("payer", "oppose"),
            ("hospital", "reservations"),
        ]
    ):
        person = make_person(f"p{i}@example.org", stakeholder_group=groups[slug])
        services.position_take(
            author=person, recommendation=recommendation, stance=stance, reason="r"
        )
    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert "4 positions: 2 endorse, 1 with reservations, 1 oppose." in html
    assert "<caption>Positions by stakeholder group</caption>" in html
    assert (
        '<th scope="row">Academia and research</th>\n        <td>2</td><td>0</td><td>0</td>' in html
    )


@pytest.mark.django_db
def test_new_wording_flags_earlier_positions_and_notifies_holders(
    client, stakeholder, moderator, recommendation
):
    services.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    amendment = services.amendment_propose(
        author=moderator,
        recommendation=recommendation,
        title="New title",
        body="New body",
        justification="Clearer.",
    )
    services.amendment_accept(amendment=amendment, acting_user=moderator)

    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert "on an earlier wording (version 1)" in html
    notification = Notification.objects.get(user=stakeholder)
    assert notification.kind == "wording_change" and "confirm or change it" in notification.message

    client.force_login(stakeholder)
    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert "Your position was taken on an earlier wording (version 1)" in html
    client.post(url("position_take", recommendation), {"stance": "endorse"})  # confirm
    assert Position.objects.get().version.number == 2


@pytest.mark.django_db
def test_follow_and_unfollow(client, stakeholder, recommendation):
    client.force_login(stakeholder)
    client.post(url("follow", recommendation), {"follow": "1"})
    assert Follow.objects.filter(user=stakeholder).count() == 1
    client.post(url("follow", recommendation), {"follow": "0"})
    assert not Follow.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicate_position_requests_leave_one_row(
    make_person, recommendation_factory, consultation_factory
):
    rec = recommendation_factory(
        pillar__consultation=consultation_factory(slug="race"), reference="R"
    )
    person = make_person("racer@example.org")
    barrier = threading.Barrier(4)
    errors = []

    def take(stance):
        try:
            barrier.wait()
            services.position_take(
                author=person, recommendation=rec, stance=stance, reason="because"
            )
        except Exception as exc:  # collected: the assertion below shows any failure
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=take, args=(s,)) for s in ["endorse", "oppose", "endorse", "oppose"]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert Position.objects.filter(author=person, recommendation=rec).count() == 1


@pytest.mark.django_db
def test_a_held_reason_shows_in_place_to_its_author_only(client, make_person, recommendation):
    from moderation.models import ModerationPolicy

    ModerationPolicy.objects.create(
        consultation=recommendation.consultation, mode=ModerationPolicy.Mode.PRE_ALL
    )
    author = make_person("author@example.org")
    client.force_login(author)
    response = client.post(
        url("position_take", recommendation),
        {"stance": "oppose", "reason": "Held for review, this reason."},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert Position.objects.get().moderation_state == "pending"
    # In the list of positions (not only in the author's own form), marked as held.
    listed = _positions_list(response.content.decode())
    assert "Held for review, this reason." in listed
    client.force_login(make_person("other@example.org"))
    page = client.get(recommendation.get_absolute_url())
    assert "Held for review, this reason." not in page.content.decode()


def _positions_list(html: str) -> str:
    start = html.index('<ul class="plain positions-list">')
    return html[start : html.index("</ul>", start)]


# -- Redrawn in place: the same refusal as the full page ------------------------------------


def _section(response) -> str:
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="positions"')
    return html


@pytest.mark.django_db
def test_the_redrawn_section_is_read_only_in_a_closed_consultation(
    client, stakeholder, recommendation
):
    services.position_take(author=stakeholder, recommendation=recommendation, stance="endorse")
    client.force_login(stakeholder)
    Consultation.objects.update(state=Consultation.State.CLOSED)

    # Following needs no permission to contribute: it still works, and the section it redraws
    # says why there is no form, as the page itself does.
    for follow in ("0", "1"):
        response = client.post(
            url("follow", recommendation), {"follow": follow}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        html = _section(response)
        assert "closed to contributions: its pages are read-only" in html
        assert 'id="your-position"' not in html
        assert url("position_take", recommendation) not in html
        assert url("position_withdraw", recommendation) not in html
    page = client.get(recommendation.get_absolute_url()).content.decode()
    assert "closed to contributions: its pages are read-only" in page
    assert 'id="your-position"' not in page


@pytest.mark.django_db
def test_the_redrawn_section_tells_a_suspended_person_why_there_is_no_form(
    client, make_person, recommendation
):
    person = make_person(
        "suspended@example.org", suspended_until=timezone.now() + timezone.timedelta(days=3)
    )
    client.force_login(person)
    response = client.post(
        url("follow", recommendation), {"follow": "1"}, headers={"HX-Request": "true"}
    )
    html = _section(response)
    assert "Your account is suspended until" in html
    assert 'id="your-position"' not in html
    assert Follow.objects.filter(user=person, recommendation=recommendation).exists()


@pytest.mark.django_db
def test_the_redrawn_section_keeps_the_form_for_who_may_contribute(
    client, stakeholder, recommendation
):
    client.force_login(stakeholder)
    headers = {"HX-Request": "true"}
    take = client.post(url("position_take", recommendation), {"stance": "endorse"}, headers=headers)
    error = client.post(url("position_take", recommendation), {"stance": "oppose"}, headers=headers)
    assert error.status_code == 422
    withdraw = client.post(url("position_withdraw", recommendation), headers=headers)
    follow = client.post(url("follow", recommendation), {"follow": "0"}, headers=headers)
    for response in (take, error, withdraw, follow):
        html = _section(response)
        assert 'id="your-position"' in html and 'class="notice"' not in html
    assert 'id="position-error"' in error.content.decode()


# -- Declared interests ---------------------------------------------------------------------


@pytest.mark.django_db
def test_each_position_shows_its_authors_declared_interests(client, make_person, recommendation):
    shares = make_person(
        "shares@example.org", interests="Shares in <b>Pharma</b>.\nAdvisory board."
    )
    former = make_person("former@example.org", interests="Consultancy.")
    silent = make_person("silent@example.org", interests="")  # declared, left blank
    for person in (shares, former, silent):
        services.position_take(author=person, recommendation=recommendation, stance="endorse")
    User.objects.filter(pk=former.pk).update(deleted_at=timezone.now())

    listed = _positions_list(client.get(recommendation.get_absolute_url()).content.decode())
    assert listed.count('<details class="interests">') == 1
    assert (
        '<details class="interests"><summary>Declared interests</summary>'
        "<p>Shares in &lt;b&gt;Pharma&lt;/b&gt;.<br>Advisory board.</p></details>"
    ) in listed
    assert "Consultancy." not in listed  # a deleted account shows no declaration


# -- What the page costs --------------------------------------------------------------------


def _positions(rec, n, viewer):
    """n positions, the viewer's among them, from people across the stakeholder groups:
    each with a reason and declared interests, every third on the earlier wording (the
    recommendation now reads as version 2), every fifth on behalf of its organisation."""
    groups = list(StakeholderGroup.objects.all())
    earlier = rec.versions.get()
    current = RecommendationVersion.objects.create(
        recommendation=rec, number=2, title="Amended", body="Amended body.", reason="Amended"
    )
    now = timezone.now()
    people = [viewer] + User.objects.bulk_create(
        User(
            email=f"p{i}@example.org",
            display_name=f"Person {i}",
            organisation=f"Organisation {i}",
            stakeholder_group=groups[i % len(groups)],
            interests=f"Interests of person {i}.",
            interests_declared_at=now,
            affiliation_verified_at=now,
        )
        for i in range(1, n)
    )
    stances = Position.Stance.values
    Position.objects.bulk_create(
        Position(
            recommendation=rec,
            author=person,
            stance=stances[i % 3],
            reason=f"Reason {i}.",
            version=earlier if i % 3 == 0 else current,
            on_behalf_of_organisation=i % 5 == 0,
            organisation=person.organisation if i % 5 == 0 else "",
            updated_at=now - timezone.timedelta(minutes=i),
        )
        for i, person in enumerate(people)
    )
    summaries.added(Position.objects.filter(recommendation=rec))  # bulk-made: counted here
    assert Position.objects.filter(recommendation=rec).count() == n


@pytest.mark.django_db
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "stakeholder"])
@pytest.mark.parametrize("n", [10, 500])
def test_the_recommendation_page_costs_the_same_with_10_or_500_positions(
    client, django_assert_num_queries, stakeholder, recommendation, n, signed_in
):
    User.objects.filter(pk=stakeholder.pk).update(affiliation_verified_at=timezone.now())
    _positions(recommendation, n, stakeholder)
    if signed_in:
        client.force_login(stakeholder)
        # 1 session, 2 user, 3 consultation, 4 recommendation with its pillar (its
        # consultation set: dialogue_refusal asks no query for it), 5 the viewer's position
        # with its version, 6 whether they follow, 7 the amendments they endorse, 8 their
        # verified e-mail address (may they contribute?), 9 the organisers' response (none
        # yet), 10 its implementation updates, 11 whether the viewer is on the consultation
        # team (responses' panel), 12 its advocates, 13 its challenges, 14 its versions (its
        # text and history, read as their fragments render), 15 positions by stakeholder
        # group, 16 count of positions, 17 the page of positions with their authors, groups
        # and versions, 18 amendments, 19 count of comment threads (none: no page to load)
        expected = 19
    else:
        # 1 consultation, 2 recommendation with its pillar, 3 the organisers' response (none
        # yet), 4 its implementation updates, 5 its advocates, 6 its challenges, 7 its
        # versions, 8 positions by stakeholder group, 9 count of positions, 10 the page of
        # positions with their authors, groups and versions (no participation to read),
        # 11 amendments, 12 count of comment threads (none: no page to load). Read again,
        # the page is served from its fragments (tests/test_fragments.py).
        expected = 12
    with django_assert_num_queries(expected):
        response = client.get(recommendation.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    listed = _positions_list(html)
    shown = min(n, 50)
    assert listed.count('<li class="card position ') == shown
    assert listed.count('<details class="interests">') == shown
    assert listed.count("on an earlier wording (version 1)") == len(range(0, shown, 3))
    assert listed.count('<span class="tag">on behalf of Organisation ') == len(
        range(5, shown, 5)
    )  # the viewer (position 0) has no organisation
    assert listed.count('<p class="reason">') == shown
    assert f"{n} positions: " in html
    if signed_in:
        assert "Your position was taken on an earlier wording (version 1)" in html
        assert 'id="your-position"' in html
    else:
        assert "Sign in to take part." in html


@pytest.mark.django_db
def test_the_breakdown_draws_each_groups_bar_in_proportion(
    client, make_person, stakeholder_group, recommendation
):
    for i, (stance, reason) in enumerate([("endorse", ""), ("endorse", ""), ("oppose", "No.")]):
        person = make_person(f"p{i}@example.org", stakeholder_group=stakeholder_group)
        services.position_take(
            author=person, recommendation=recommendation, stance=stance, reason=reason
        )
    html = client.get(recommendation.get_absolute_url()).content.decode()
    assert (  # SVG geometry, not style attributes (the Content-Security-Policy allows none)
        '<rect class="seg endorse" x="0" width="67" height="10"/>'
        '<rect class="seg reservations" x="67" width="0" height="10"/>'
        '<rect class="seg oppose" x="67" width="33" height="10"/>'
    ) in html


def test_the_publics_page_of_positions_is_counted_by_the_summary(make_person, recommendation):
    """The public's count is the summary's row (consultation.counting), not a COUNT of the
    rows: it agrees with the rows it pages through, held reasons left out."""
    from consultation.selectors import position_page
    from moderation.models import ModerationPolicy

    for i in range(3):
        services.position_take(
            author=make_person(f"p{i}@example.org"), recommendation=recommendation, stance="endorse"
        )
    ModerationPolicy.objects.create(
        consultation=recommendation.consultation, mode=ModerationPolicy.Mode.PRE_ALL
    )
    held = services.position_take(
        author=make_person("held@example.org"),
        recommendation=recommendation,
        stance="oppose",
        reason="Held for review.",
    )
    assert held.moderation_state == "pending"

    pages = [position_page(recommendation=recommendation, page=n, per_page=2) for n in (1, 2)]
    assert [p.paginator.count for p in pages] == [3, 3]
    shown = [position for page in pages for position in page.object_list]
    assert len(shown) == 3 and held not in shown
    assert [p.updated_at for p in shown] == sorted((p.updated_at for p in shown), reverse=True)
    # Paginator.get_page's reading of a page that is no number, or too far.
    assert position_page(recommendation=recommendation, page="x", per_page=2).number == 1
    assert position_page(recommendation=recommendation, page=99, per_page=2).number == 2

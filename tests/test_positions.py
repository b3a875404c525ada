"""Positions: one per person, reasons, the earlier-wording flag, the breakdown by group,
following, and double submissions."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import StakeholderGroup
from consultation import services
from consultation.models import Follow, Notification, Position
from recommendations.models import Consultation


@pytest.fixture
def recommendation(recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo"), reference="P1-R1"
    )


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
    assert "This field is required." in html
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

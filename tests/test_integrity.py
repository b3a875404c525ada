"""Integrity of what the platform records about people and their contributions: a suspension
is only set or lifted through the moderation workflow (read-only in the admin); a verified
affiliation is withdrawn, on the audit log, when the person changes their organisation; and
the authors of amendments outdated by an accepted one are told, at a constant query count."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import affiliation_verify, profile_update
from consultation import services
from consultation.models import Amendment, Position
from digests import selectors as digest_selectors
from digests.periods import period_in_progress
from moderation.models import ModerationAction
from moderation.services import base as moderation_base
from notifications.models import Notification

# The e-mails (invitations, moderation decisions) go through the notifications task: run
# at once here, as a worker would run it.
pytestmark = pytest.mark.usefixtures("eager")

Action = ModerationAction.Action
TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."
OUTDATED = (
    "Another amendment to P1-R1 was accepted: yours is now outdated. "
    "Update it onto the new wording or withdraw it."
)


@pytest.fixture
def admin_client(client, consultation_admin, with_totp):
    client.force_login(with_totp(consultation_admin))
    return client


# -- 1. Suspensions only through the moderation workflow -----------------------------------


def admin_form_data(person, **changes):
    """What the admin's change form posts for the person, with the changes."""
    data = {
        "email": person.email,
        "display_name": person.display_name,
        "organisation": person.organisation,
        "job_title": person.job_title,
        "stakeholder_group": person.stakeholder_group_id or "",
        "transparency_register_id": person.transparency_register_id,
        "interests": person.interests,
        "is_active": "on",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_admin_shows_a_suspension_but_cannot_set_or_lift_it(
    admin_client, stakeholder, make_person
):
    url = reverse("admin:accounts_user_change", args=[stakeholder.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="suspended_until_0"' not in page and 'name="suspended_until' not in page
    assert f'<a href="{reverse("moderation:queue")}">the moderation queue</a>' in page
    assert "“Suspend the author”" in page

    # Not suspended: a date posted anyway suspends nobody.
    response = admin_client.post(
        url,
        admin_form_data(
            stakeholder,
            display_name="Sam S.",
            suspended_until_0="2099-01-01",
            suspended_until_1="12:00:00",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    stakeholder.refresh_from_db()
    assert stakeholder.display_name == "Sam S."  # the rest of the form is saved
    assert stakeholder.suspended_until is None

    # Suspended: an emptied field (or another date) lifts or moves nothing.
    until = timezone.now() + timezone.timedelta(days=30)
    suspended = make_person("suspended@example.org", display_name="Sue", suspended_until=until)
    url = reverse("admin:accounts_user_change", args=[suspended.pk])
    for value in ("", "2030-01-01"):
        response = admin_client.post(
            url,
            admin_form_data(suspended, suspended_until_0=value, suspended_until_1=""),
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        suspended.refresh_from_db()
        assert suspended.suspended_until == until and suspended.is_suspended
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db
def test_a_superuser_cannot_change_a_suspension_in_the_admin_either(client, make_person, with_totp):
    root = make_person("root@example.org", display_name="Root", is_staff=True, is_superuser=True)
    client.force_login(with_totp(root))
    person = make_person("p@example.org", display_name="Pat")
    response = client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        admin_form_data(
            person,
            suspended_until_0="2099-01-01",
            suspended_until_1="12:00:00",
            groups=[Group.objects.get(name="Moderators").pk],
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.suspended_until is None


# -- 2. A verification follows the organisation ---------------------------------------------


@pytest.fixture
def verified(stakeholder, consultation_admin, recommendation):
    """Sam, verified for Patients Together, with a position taken on its behalf."""
    affiliation_verify(user=stakeholder, acting_user=consultation_admin)
    services.position_take(
        author=stakeholder,
        recommendation=recommendation,
        stance="endorse",
        on_behalf_of_organisation=True,
    )
    stakeholder.refresh_from_db()
    assert stakeholder.is_affiliation_verified
    return stakeholder


def revocations():
    return ModerationAction.objects.filter(action=Action.REVOKE_AFFILIATION)


@pytest.mark.django_db
def test_changing_the_organisation_withdraws_the_verification_on_the_log(verified):
    profile_update(user=verified, data={"organisation": "Carers United"})
    verified.refresh_from_db()
    assert verified.organisation == "Carers United"
    assert (verified.affiliation_verified_at, verified.affiliation_verified_by) == (None, None)
    row = revocations().get()
    assert row.actor is None  # the change of organisation did it, not an admin
    assert row.subject_user == verified
    assert row.content_label == "Patients Together"  # the organisation that was verified
    assert row.reason == "Organisation changed from Patients Together to Carers United"
    assert (row.state_before, row.state_after) == ("verified", "unverified")
    # The position taken on behalf of the old organisation is history: it stays as it was.
    position = Position.objects.get(author=verified)
    assert position.on_behalf_of_organisation and position.organisation == "Patients Together"


@pytest.mark.django_db
def test_an_admin_changing_the_organisation_withdraws_the_verification_too(
    admin_client, consultation_admin, verified
):
    url = reverse("admin:accounts_user_change", args=[verified.pk])
    response = admin_client.post(url, admin_form_data(verified, job_title="Chair"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    verified.refresh_from_db()
    assert verified.job_title == "Chair" and verified.is_affiliation_verified
    assert not revocations().exists()

    response = admin_client.post(url, admin_form_data(verified, organisation="Carers United"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    verified.refresh_from_db()
    assert verified.organisation == "Carers United"
    assert not verified.is_affiliation_verified and verified.affiliation_verified_by is None
    row = revocations().get()
    assert (row.actor, row.subject_user) == (consultation_admin, verified)
    assert row.reason == "Organisation changed from Patients Together to Carers United"


@pytest.mark.django_db
def test_other_changes_keep_the_verification(verified):
    verified_at = verified.affiliation_verified_at
    profile_update(
        user=verified,
        data={
            "display_name": "Samantha",
            "job_title": "Chair",
            "interests": "Board member of a patients' fund.",
            "organisation": "  Patients   Together ",  # the same name, spaced otherwise
        },
    )
    verified.refresh_from_db()
    assert verified.display_name == "Samantha" and verified.job_title == "Chair"
    assert verified.affiliation_verified_at == verified_at
    assert not revocations().exists()


@pytest.mark.django_db
def test_an_unverified_person_changes_their_organisation_without_a_row(stakeholder):
    profile_update(user=stakeholder, data={"organisation": "Carers United"})
    stakeholder.refresh_from_db()
    assert stakeholder.organisation == "Carers United"
    assert not ModerationAction.objects.exists()


@pytest.mark.django_db
def test_the_withdrawal_and_its_row_are_one_transaction(verified, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("The log is down.")

    monkeypatch.setattr(moderation_base, "_log", broken)  # the audit writer's
    with pytest.raises(RuntimeError):
        profile_update(user=verified, data={"organisation": "Carers United"})
    fresh = User.objects.get(pk=verified.pk)
    assert fresh.organisation == "Patients Together" and fresh.is_affiliation_verified


@pytest.mark.django_db
def test_a_stale_instance_does_not_undo_a_verification_made_meanwhile(
    stakeholder, consultation_admin
):
    stale = User.objects.get(pk=stakeholder.pk)  # loaded before the admin verifies
    affiliation_verify(user=stakeholder, acting_user=consultation_admin)
    profile_update(user=stale, data={"job_title": "Chair"})
    fresh = User.objects.get(pk=stakeholder.pk)
    assert fresh.is_affiliation_verified and fresh.job_title == "Chair"


def profile_data(person, **changes):
    data = {
        "display_name": person.display_name,
        "organisation": person.organisation,
        "job_title": person.job_title,
        "stakeholder_group": person.stakeholder_group_id,
        "transparency_register_id": person.transparency_register_id,
        "interests": person.interests,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_profile_page_says_so_before_and_after(client, verified):
    client.force_login(verified)
    url = reverse("accounts:profile")
    warning = "Changing the organisation withdraws the verification"
    assert warning in client.get(url).content.decode()

    # Another field: saved, still verified, no word of a withdrawal.
    response = client.post(url, profile_data(verified, job_title="Chair"), follow=True)
    html = response.content.decode()
    assert "Your profile is saved." in html and "no longer verified" not in html
    verified.refresh_from_db()
    assert verified.is_affiliation_verified and verified.job_title == "Chair"

    response = client.post(url, profile_data(verified, organisation="Carers United"), follow=True)
    html = response.content.decode()
    assert "Your profile is saved." in html
    assert "You changed your organisation, so your affiliation is no longer verified." in html
    assert warning not in html  # the form no longer claims a verification
    verified.refresh_from_db()
    assert verified.organisation == "Carers United" and not verified.is_affiliation_verified
    assert revocations().get().reason == (
        "Organisation changed from Patients Together to Carers United"
    )


@pytest.mark.django_db
def test_the_profile_page_of_an_unverified_person_makes_no_such_claim(client, stakeholder):
    client.force_login(stakeholder)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Changing the organisation withdraws the verification" not in html


@pytest.mark.django_db
def test_the_api_withdraws_the_verification_as_the_page_does(verified):
    api = APIClient()
    api.force_authenticate(verified)
    response = api.patch("/api/me/", {"organisation": "Carers United"})
    assert response.status_code == 200, response.content
    assert response.json()["affiliation_verified"] is False
    assert revocations().get().subject_user == verified


# -- 3. Outdated amendments tell their authors ----------------------------------------------


def person(make_person, email, name, **fields):
    return make_person(email, display_name=name, **fields)


def propose(author, recommendation, body) -> Amendment:
    return services.amendment_propose(
        author=author,
        recommendation=recommendation,
        title=TITLE,
        body=body,
        justification="Because.",
    )


def amendment_path(amendment) -> str:
    rec = amendment.recommendation
    return reverse(
        "consultation:amendment", args=[rec.consultation.slug, rec.reference, amendment.pk]
    )


@pytest.mark.django_db
def test_the_author_of_a_competing_amendment_is_told_it_is_outdated(
    client, make_person, moderator, recommendation, eager, django_capture_on_commit_callbacks
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    rita = person(make_person, "rita@example.org", "Rita Rival")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    rival = propose(rita, recommendation, "Regulators publish guidance within a year.")
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_accept(amendment=accepted, acting_user=moderator)

    rival.refresh_from_db()
    assert rival.status == Amendment.Status.OUTDATED
    note = Notification.objects.get(user=rita)
    assert note.kind == Notification.Kind.DECISION
    assert note.message == OUTDATED
    assert note.url == amendment_path(rival)
    assert note.recommendation_id == recommendation.pk
    # Ann hears of her acceptance, once; nobody else is told.
    assert list(Notification.objects.filter(user=ann).values_list("message", flat=True)) == [
        "Your amendment to P1-R1 was accepted."
    ]
    (email,) = [m for m in mail.outbox if m.to == ["rita@example.org"]]
    assert "(P1-R1)" in email.subject
    assert OUTDATED in email.body and amendment_path(rival) in email.body

    # The link leads Rita to her amendment, where she updates it onto the new wording.
    client.force_login(rita)
    html = client.get(note.url).content.decode()
    assert "Update to the current wording" in html


@pytest.mark.django_db
def test_the_email_follows_the_preference_the_notice_does_not(
    make_person, moderator, recommendation, eager, django_capture_on_commit_callbacks
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    rita = person(make_person, "rita@example.org", "Rita Rival", notify_decisions=False)
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    propose(rita, recommendation, "Regulators publish guidance within a year.")
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_accept(amendment=accepted, acting_user=moderator)
    assert Notification.objects.get(user=rita).message == OUTDATED
    assert [m.to for m in mail.outbox] == [["ann@example.org"]]


@pytest.mark.django_db
def test_nothing_is_sent_before_the_commit(
    make_person, moderator, recommendation, eager, django_capture_on_commit_callbacks
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    rita = person(make_person, "rita@example.org", "Rita Rival")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    propose(rita, recommendation, "Regulators publish guidance within a year.")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.amendment_accept(amendment=accepted, acting_user=moderator)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.org", "rita@example.org"]


@pytest.mark.django_db
def test_the_accepting_moderators_own_amendment_is_outdated_and_they_are_told(
    make_person, moderator, recommendation, stakeholder_group
):
    User.objects.filter(pk=moderator.pk).update(stakeholder_group=stakeholder_group)
    moderator.refresh_from_db()
    ann = person(make_person, "ann@example.org", "Ann Author")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    own = propose(moderator, recommendation, "Regulators publish guidance within a year.")
    services.amendment_accept(amendment=accepted, acting_user=moderator)
    note = Notification.objects.get(user=moderator)
    assert (note.message, note.url) == (OUTDATED, amendment_path(own))


@pytest.mark.django_db
def test_one_notice_per_outdated_amendment_and_none_for_closed_ones(
    make_person, moderator, recommendation
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    rita = person(make_person, "rita@example.org", "Rita Rival")
    olga = person(make_person, "olga@example.org", "Olga Other")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    first = propose(rita, recommendation, "Regulators publish guidance within a year.")
    second = propose(rita, recommendation, "Regulators publish guidance within a month.")
    withdrawn = propose(olga, recommendation, "Regulators publish guidance at once.")
    services.amendment_withdraw(amendment=withdrawn, acting_user=olga)
    services.amendment_accept(amendment=accepted, acting_user=moderator)
    assert sorted(Notification.objects.filter(user=rita).values_list("url", flat=True)) == sorted(
        [amendment_path(first), amendment_path(second)]
    )
    assert not Notification.objects.filter(user=olga).exists()


@pytest.mark.django_db
def test_no_outdated_notice_without_competing_amendments(
    make_person, moderator, recommendation, django_capture_on_commit_callbacks
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    with django_capture_on_commit_callbacks(execute=True):
        services.amendment_accept(amendment=accepted, acting_user=moderator)
    assert list(Notification.objects.values_list("user__email", "message")) == [
        ("ann@example.org", "Your amendment to P1-R1 was accepted.")
    ]


@pytest.mark.django_db
def test_the_digest_lists_it_with_the_decisions(make_person, moderator, recommendation):
    ann = person(make_person, "ann@example.org", "Ann Author")
    rita = person(make_person, "rita@example.org", "Rita Rival", digest_frequency="daily")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    rival = propose(rita, recommendation, "Regulators publish guidance within a year.")
    services.amendment_accept(amendment=accepted, acting_user=moderator)
    digest = digest_selectors.digests_build(people=[rita], period=period_in_progress("daily"))[
        rita.pk
    ]
    assert [d.message for d in digest.decisions] == [OUTDATED]
    assert digest.decisions[0].url.endswith(amendment_path(rival))


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 10])
def test_accepting_costs_the_same_for_2_or_10_outdated_amendments(
    django_assert_num_queries, make_person, moderator, recommendation, n
):
    ann = person(make_person, "ann@example.org", "Ann Author")
    accepted = propose(ann, recommendation, "Regulators publish binding guidance.")
    base = recommendation.versions.get()
    Amendment.objects.bulk_create(
        [
            Amendment(
                recommendation=recommendation,
                author=person(make_person, f"rival{i}@example.org", f"Rival {i}"),
                base_version=base,
                title=TITLE,
                body=f"Regulators publish guidance, version {i}.",
                justification="Because.",
            )
            for i in range(n)
        ]
    )
    accepted = Amendment.objects.get(pk=accepted.pk)
    # 1 savepoint (the service's transaction), 2 the recommendation locked, 3 the amendment
    # locked, 4 the moderator's groups (the rules), 5 the consultation (open? the rules),
    # 6 the current version, 7 the next version's number, 8 the amendment's author (credited
    # with the version), 9 the version inserted, 10 the recommendation's wording updated,
    # 11 the amendment accepted, 12 the audit log's row, 13 the other open amendments, locked,
    # with their authors' languages, 14 all of them outdated at once, 15 the positions on an
    # earlier wording (none here), 16 the accepted author's language, 17 all the notifications
    # inserted at once, 18 their e-mails' outbox rows inserted at once, 19 the ids of those
    # rows (for the task after the commit; the preferences are read when they are sent),
    # 20 savepoint released.
    with django_assert_num_queries(20):
        services.amendment_accept(amendment=accepted, acting_user=moderator)
    assert Notification.objects.filter(message=OUTDATED).count() == n
    assert Amendment.objects.filter(status=Amendment.Status.OUTDATED).count() == n

"""E-mail digests and notifications: a digest's content for a seeded week of activity, the
exactly-once claims, failures, the unsubscribe, the query count per batch, the immediate
notifications and the on-site list, the command, the admin and the beat schedules."""

import smtplib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from accounts.models import StakeholderGroup, User
from consultation import services as dialogue
from consultation.models import Amendment, Comment, Follow, Position
from digests import emails, selectors, services
from digests.models import DigestRecord, RecommendationStatusChange
from digests.periods import period_due, period_in_progress, period_starting
from digests.tasks import queue_batch
from digests.tokens import unsubscribe_token
from notifications import outbox
from notifications.models import Notification, NotificationEmail, Outbox
from notifications.services import notify
from recommendations.models import Recommendation, RecommendationVersion

BRUSSELS = ZoneInfo("Europe/Brussels")
# Monday 4 May 2026 is the daily period; its digest goes out on Tuesday at 07:00.
DAY = date(2026, 5, 4)
DURING = datetime(2026, 5, 4, 11, 0, tzinfo=BRUSSELS)
BEFORE = datetime(2026, 5, 3, 23, 30, tzinfo=BRUSSELS)  # the day before: not in the digest
SEND = datetime(2026, 5, 5, 7, 0, tzinfo=BRUSSELS)


def at(moment, minutes=0):
    return freeze_time(moment + timedelta(minutes=minutes))


def send_daily(**kwargs):
    """What beat's 07:00 task does, with the batches run here instead of queued."""

    def run_batch(frequency, start, ids):
        services.digest_send_batch(
            frequency=frequency, period_start=date.fromisoformat(start), user_ids=ids
        )

    return services.digest_fan_out(frequency="daily", run_batch=run_batch, **kwargs)


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def html_of(message):
    (html, mimetype) = message.alternatives[0]
    assert mimetype == "text/html"
    return html


@pytest.fixture
def groups():
    return {g.slug: g for g in StakeholderGroup.objects.all()}


@pytest.fixture
def scenario(make_person, consultation_factory, pillar_factory, recommendation_factory, groups):
    """A reader who takes the daily digest, is interested in pillar P1 and follows P2-R1,
    and a day of activity around them (plus some the day before, and some hidden)."""
    with at(BEFORE, -60 * 24 * 3):
        consultation = consultation_factory(slug="demo")
        p1 = pillar_factory(consultation=consultation, code="P1", title="Supply chain")
        p2 = pillar_factory(consultation=consultation, code="P2", title="Access")
        r1 = recommendation_factory(pillar=p1, reference="P1-R1", title="Launch faster")
        r2 = recommendation_factory(pillar=p1, reference="P1-R2", title="Train staff")
        r3 = recommendation_factory(pillar=p2, reference="P2-R1", title="Pay for outcomes")
        r4 = recommendation_factory(pillar=p2, reference="P2-R2", title="Not followed")
        reader = make_person(
            "reader@example.org",
            display_name="Rita Reader",
            digest_frequency="daily",
            stakeholder_group=groups["patient-organisation"],
        )
        reader.pillars_of_interest.add(p1)
        olga = make_person(
            "olga@example.org",
            display_name="Olga Other",
            stakeholder_group=groups["industry-pharma"],
        )
        paul = make_person(
            "paul@example.org",
            display_name="Paul Payer",
            stakeholder_group=groups["payer"],
        )
        mod = make_person("mod@example.org", groups=["Moderators"], display_name="Mo")
        mine = dialogue.comment_create(author=reader, recommendation=r3, body="My view.")
        dialogue.position_take(author=olga, recommendation=r3, stance="endorse")
        rejected = dialogue.amendment_propose(
            author=olga,
            recommendation=r3,
            title="Pay later",
            body="Pay for outcomes, later.",
            justification="Cash flow.",
        )
    with at(BEFORE):
        dialogue.comment_create(author=olga, recommendation=r3, body="Old news.")
    with at(DURING):
        # In P1 (the reader's pillar): a new wording of R1 and a new status of R2.
        RecommendationVersion.objects.create(
            recommendation=r1, number=2, title="Launch much faster", body="New.", reason="x"
        )
        r2.status = Recommendation.Status.UNDER_REVIEW
        r2.save()
        # On P2-R1, which the reader follows (they commented): a reply, a comment, positions,
        # an amendment proposed and one rejected.
        dialogue.comment_create(
            author=olga, recommendation=r3, body="I **disagree**, politely.", parent=mine
        )
        dialogue.comment_create(author=paul, recommendation=r3, body="Costs matter.")
        hidden = dialogue.comment_create(author=paul, recommendation=r3, body="Spam spam.")
        Comment.objects.filter(pk=hidden.pk).update(moderation_state="hidden")
        dialogue.position_take(author=paul, recommendation=r3, stance="oppose", reason="Costly.")
        dialogue.position_take(author=reader, recommendation=r3, stance="endorse")
        dialogue.amendment_propose(
            author=paul,
            recommendation=r3,
            title="Pay per patient",
            body="Pay per treated patient.",
            justification="Fairer.",
        )
        dialogue.amendment_reject(amendment=rejected, acting_user=mod, reason="Out of scope.")
        # Activity on a recommendation the reader neither follows nor has a pillar of.
        dialogue.comment_create(author=olga, recommendation=r4, body="Elsewhere.")
        # A decision on the reader's own contribution.
        Notification.objects.create(
            user=reader,
            kind=Notification.Kind.DECISION,
            recommendation=r3,
            message="Your comment on P2-R1 was hidden: off topic.",
            url=r3.get_absolute_url(),
        )
    mail.outbox.clear()
    return {"reader": reader, "olga": olga, "paul": paul, "r1": r1, "r2": r2, "r3": r3, "r4": r4}


# -- Periods ---------------------------------------------------------------------------------


def test_periods_are_days_and_weeks_of_brussels():
    with freeze_time(SEND):
        daily, weekly = period_due("daily"), period_due("weekly")
    assert (daily.start_date, daily.last_day) == (DAY, DAY)
    assert daily.start == datetime(2026, 5, 4, tzinfo=BRUSSELS)
    assert (weekly.start_date, weekly.last_day) == (date(2026, 4, 27), date(2026, 5, 3))
    # 00:30 on Monday in Brussels is still Sunday in UTC: the week just ended is the one sent.
    with freeze_time(datetime(2026, 5, 4, 0, 30, tzinfo=BRUSSELS)):
        assert period_due("weekly").start_date == date(2026, 4, 27)
        assert period_in_progress("weekly").start_date == DAY
    with pytest.raises(ValueError, match="Monday"):
        period_starting("weekly", DAY + timedelta(days=1))


# -- Content ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_digest_holds_the_persons_news_of_the_period_and_nothing_else(scenario, settings):
    settings.SITE_URL = "https://consult.example.org"
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    text, html = message.body, html_of(message)
    assert message.subject == ("[Plant to patient] Your daily digest of 4 May 2026: 5 updates")
    # New and changed recommendations in the reader's pillar.
    assert "P1-R1 Launch faster (Supply chain): new wording (version 2)" in text
    assert "P1-R2 Train staff (Supply chain): status Open for discussion → Under review" in text
    # What they follow: the published comments of the day (not the hidden one, not the day
    # before's), positions by group with the day's new ones, the amendments.
    assert "P2-R1 Pay for outcomes" in text
    assert "2 new comments" in text  # the reply and Paul's comment, not the hidden one
    # Paul's position; not the reader's own, taken the same day: no news to them.
    assert "1 new or changed position;" in text
    assert "Industry (pharma)" not in text  # its position is older: no change to show
    assert "Payer or insurer: Oppose 1 (+1)" in text
    assert "Patient organisation" not in text
    assert "Amendment proposed: Pay per patient" in text
    assert "Amendment rejected: Pay later" in text
    # The reply to their comment, and the decision on their contribution.
    assert "Olga Other replied on P2-R1: “I disagree, politely.”" in text
    assert "Your comment on P2-R1 was hidden: off topic." in text
    # The most active discussions of the day, for everyone.
    assert "Most active discussions" in text and "P2-R1 Pay for outcomes: 2 comments" in text
    assert "Not followed" not in text.split("Most active discussions")[0]
    assert "Old news" not in text and "Spam" not in text
    # Absolute links from SITE_URL, in both versions.
    link = "https://consult.example.org/consultations/demo/recommendations/P2-R1/"
    assert link in text and f'href="{link}"' in html
    amendment = Amendment.objects.get(title="Pay per patient")
    assert f"{link}amendments/{amendment.pk}/" in text
    assert "https://consult.example.org/accounts/preferences/" in text
    assert '<html lang="en">' in html and "<strong>(+1)</strong>" in html
    record = DigestRecord.objects.get(user=scenario["reader"])
    assert (record.frequency, record.period_start, record.status) == ("daily", DAY, "sent")
    assert record.attempts == 1 and record.sent_at == SEND


@pytest.mark.django_db
def test_a_persons_language_is_the_digests_language(scenario):
    User.objects.filter(pk=scenario["reader"].pk).update(language="fr")
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    assert "4 mai 2026" in message.subject  # Django's French month names
    assert '<html lang="fr">' in html_of(message)
    assert "lundi 4 mai 2026" in message.body


@pytest.mark.django_db
def test_nothing_new_means_no_email_and_a_skipped_record(scenario, make_person):
    quiet = make_person("quiet@example.org", digest_frequency="daily")
    make_person("weekly@example.org")  # the default: weekly
    make_person("off@example.org", digest_frequency="off")
    make_person("unverified@example.org", digest_frequency="daily", verified=False)
    Follow.objects.create(user=quiet, recommendation=scenario["r1"])  # nothing happened to it...
    with freeze_time(SEND + timedelta(days=1)):  # ...on Tuesday
        send_daily()
    assert mail.outbox == []
    assert dict(DigestRecord.objects.values_list("user__email", "status")) == {
        "reader@example.org": "skipped",
        "quiet@example.org": "skipped",
    }


@pytest.mark.django_db
def test_ones_own_comments_and_position_are_no_news(scenario, make_person):
    """On a day when only they spoke on what they follow: no digest, however keen."""
    keen = make_person("keen@example.org", digest_frequency="daily")
    with at(SEND):  # Tuesday 07:00: a quiet day for everyone else
        dialogue.comment_create(author=keen, recommendation=scenario["r4"], body="Mine.")
        dialogue.comment_create(author=keen, recommendation=scenario["r4"], body="Mine again.")
        dialogue.position_take(
            author=keen, recommendation=scenario["r4"], stance="oppose", reason="Mine too."
        )
    assert Follow.objects.filter(user=keen, recommendation=scenario["r4"]).exists()
    with freeze_time(SEND + timedelta(days=1)):
        send_daily()
    assert to("keen@example.org") == []
    assert DigestRecord.objects.get(user=keen).status == "skipped"


@pytest.mark.django_db
def test_news_of_a_draft_consultation_stays_out(scenario):
    scenario["r3"].consultation.__class__.objects.filter(slug="demo").update(state="draft")
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    # Only the decision on the reader's own contribution is left.
    assert "Your comment on P2-R1 was hidden" in message.body
    assert "P1-R1" not in message.body and "Most active" not in message.body


# -- Headers and the unsubscribe -------------------------------------------------------------


@pytest.mark.django_db
def test_headers_offer_the_one_click_unsubscribe_of_rfc_8058(scenario, settings):
    settings.SITE_URL = "https://consult.example.org"
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    token = unsubscribe_token(scenario["reader"])
    link = f"https://consult.example.org/digests/unsubscribe/{token}/"
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    raw = message.message().as_string()
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert link in message.body and link in html_of(message)


@pytest.mark.django_db
def test_unsubscribe_confirms_on_get_and_acts_on_post_without_login(scenario):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)  # as a mail client: no cookie, no CSRF token
    reader = scenario["reader"]
    url = reverse("digests:unsubscribe", args=[unsubscribe_token(reader)])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "reader@example.org" in html and 'method="post"' in html
    assert reverse("accounts:preferences") in html
    reader.refresh_from_db()
    assert reader.digest_frequency == "daily"  # a GET (a mail scanner's) changes nothing

    response = client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "will receive no more digests" in response.content.decode()
    reader.refresh_from_db()
    assert reader.digest_frequency == "off"
    with freeze_time(SEND):
        send_daily()
    assert to("reader@example.org") == []


@pytest.mark.django_db
def test_a_tampered_token_changes_nothing(client, scenario):
    token = unsubscribe_token(scenario["reader"])
    other = str(scenario["olga"].pk) + token[token.index(":") :]
    response = client.post(reverse("digests:unsubscribe", args=[other]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert User.objects.get(pk=scenario["olga"].pk).digest_frequency == "weekly"


# -- Exactly once ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_again_sends_nothing_twice_and_a_later_run_sends_the_missed(
    scenario, make_person, eager
):
    with freeze_time(SEND):
        assert send_daily() == 1
        assert send_daily() == 0  # beat fired twice: nobody is due any more
        # A retried batch task (the same ids) finds the record and leaves the person alone.
        report = services.digest_send_batch(
            frequency="daily", period_start=DAY, user_ids=[scenario["reader"].pk]
        )
    assert report.taken == [scenario["reader"].pk] and report.sent == []
    assert len(to("reader@example.org")) == 1

    late = make_person("late@example.org", digest_frequency="daily")
    Follow.objects.create(user=late, recommendation=scenario["r3"])
    with freeze_time(SEND + timedelta(hours=3)):
        assert services.digest_catch_up(run_batch=queue_batch) == {
            "daily": 1
        }  # only the one not served yet
    assert len(to("late@example.org")) == 1 and len(to("reader@example.org")) == 1


@pytest.mark.django_db
def test_a_claim_held_by_another_run_is_left_alone_until_it_goes_stale(scenario, settings):
    settings.DIGEST_LEASE_SECONDS = 30 * 60
    reader = scenario["reader"]
    period = period_starting("daily", DAY)
    with freeze_time(SEND):
        # Another worker claimed the reader's digest and is sending it.
        assert services.digest_claim(user_id=reader.pk, period=period, token="a") is not None
        assert services.digest_claim(user_id=reader.pk, period=period, token="b") is None
        send_daily()
        assert mail.outbox == []
    with freeze_time(SEND + timedelta(minutes=29)):
        send_daily()
        assert mail.outbox == []
    # That worker died before sending: 30 minutes on, a later run takes the claim over.
    with freeze_time(SEND + timedelta(minutes=31)):
        send_daily()
        assert len(to("reader@example.org")) == 1
        send_daily()
    record = DigestRecord.objects.get(user=reader)
    assert (record.status, record.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_runs_at_once_send_one_digest(scenario):
    """Two threads (two workers) claim the same digests at the same moment."""
    import threading

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] in ("", ":memory:"):
        pytest.skip("an in-memory SQLite database is not shared between threads")
    period = period_starting("daily", DAY)
    people = [scenario["reader"].pk, scenario["olga"].pk, scenario["paul"].pk]
    won: list[tuple[str, int]] = []
    barrier = threading.Barrier(2)

    def run(token):
        try:
            barrier.wait()
            for pk in people:
                if services.digest_claim(user_id=pk, period=period, token=token):
                    won.append((token, pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(pk for _, pk in won) == sorted(people)  # each claimed exactly once
    assert DigestRecord.objects.count() == 3


@pytest.mark.django_db
def test_a_batch_claims_its_people_at_once_and_leaves_the_others_claims_alone(scenario, settings):
    settings.DIGEST_LEASE_SECONDS = 30 * 60
    reader, olga, paul = scenario["reader"].pk, scenario["olga"].pk, scenario["paul"].pk
    period = period_starting("daily", DAY)
    with freeze_time(SEND), CaptureQueriesContext(connection) as queries:
        assert set(services.digests_claim(user_ids=[reader, paul], period=period, token="a")) == {
            reader,
            paul,
        }
    assert len(queries) == 3  # the insert, the take-over of stale claims, the read-back
    with freeze_time(SEND + timedelta(minutes=1)):
        # Another run, at once or retried: only the one nobody had is its own.
        ours = services.digests_claim(user_ids=[reader, paul, olga], period=period, token="b")
        assert set(ours) == {olga} and ours[olga].attempts == 1
    with freeze_time(SEND + timedelta(minutes=31)):
        # Run "a" died before sending: its claims are stale, one later run takes them over.
        ours = services.digests_claim(user_ids=[reader], period=period, token="c")
        assert set(ours) == {reader} and ours[reader].attempts == 2
        assert services.digests_claim(user_ids=[reader], period=period, token="d") == {}
    assert dict(DigestRecord.objects.values_list("user_id", "claimed_by")) == {
        reader: "c",
        paul: "a",
        olga: "b",
    }


@pytest.mark.django_db
def test_what_digests_share_is_rendered_once_and_reads_as_if_rendered_alone(scenario, make_person):
    """{% shared %}: the news of a followed recommendation, the new and changed ones and the
    most active discussions are rendered once per language for all the batch's digests."""
    french = make_person("fr@example.org", digest_frequency="daily", language="fr")
    french.pillars_of_interest.add(scenario["r1"].pillar)
    Follow.objects.create(user=french, recommendation=scenario["r3"])
    dutch = make_person("nl@example.org", digest_frequency="daily", language="nl")
    Follow.objects.create(user=dutch, recommendation=scenario["r3"])
    reader = scenario["reader"]
    people = selectors.batch_people(frequency="daily", user_ids=[reader.pk, french.pk, dutch.pk])
    with freeze_time(SEND):
        digests = selectors.digests_build(people=people, period=period_starting("daily", DAY))
        # Readers with nothing of their own in P2-R1's news share one object (its key is
        # computed once); the reader, who commented and took a position there, has theirs.
        (theirs,), (shared_news,) = digests[reader.pk].followed, digests[french.pk].followed
        assert digests[dutch.pk].followed[0] is shared_news and theirs is not shared_news
        assert theirs.new_positions == shared_news.new_positions - 1
        shared = [emails.render_digest(d) for d in digests.values()]
        fragments = next(iter(digests.values())).fragments
        assert fragments and all(d.fragments is fragments for d in digests.values())
        kept = len(fragments)
        again = [emails.render_digest(d) for d in digests.values()]
        assert len(fragments) == kept  # nothing rendered twice
        for d in digests.values():
            d.fragments = None  # no sharing: each part rendered for this digest alone
        alone = [emails.render_digest(d) for d in digests.values()]
    assert shared == again == alone
    (_, text_en, _), (_, text_fr, html_fr), _ = alone
    assert "On what you follow" in text_en and "Pay for outcomes" in text_fr
    assert '<html lang="fr">' in html_fr


@pytest.mark.django_db
def test_readers_with_the_same_news_share_the_whole_section(scenario, make_person):
    """The section of new and changed recommendations is rendered once (text, HTML) for the
    readers whose news in it are the same, and reads as if rendered alone."""
    reader = scenario["reader"]
    twin = make_person("twin@example.org", digest_frequency="daily", language=reader.language)
    twin.pillars_of_interest.add(scenario["r1"].pillar)
    people = selectors.batch_people(frequency="daily", user_ids=[reader.pk, twin.pk])
    with freeze_time(SEND):
        digests = selectors.digests_build(people=people, period=period_starting("daily", DAY))
        first, second = digests[reader.pk], digests[twin.pk]
        assert first.changes and first.changes_key == second.changes_key
        first.fragments.clear()  # kept from earlier batches in this process
        shared = [emails.render_digest(d) for d in (first, second)]
        sections = [k for k in first.fragments if k[3:] == (first.changes_key,)]
        assert len(sections) == 2  # one in the text, one in the HTML: for both readers
        for d in (first, second):
            d.fragments = None
        alone = [emails.render_digest(d) for d in (first, second)]
    assert shared == alone


def test_the_shared_parts_forget_the_least_recently_read_first():
    """A run's common parts stay while each reader's own lines come and go: the least
    recently read are forgotten beyond the size, not everything at once."""
    fragments = selectors.digest.SharedFragments(3)
    fragments["common"] = "news"
    for reader in range(10):
        assert fragments["common"] == "news"  # read for every reader
        fragments[("own", reader)] = f"lines of {reader}"
    assert list(fragments) == [("own", 8), "common", ("own", 9)]
    with pytest.raises(KeyError):
        fragments[("own", 7)]


@pytest.mark.django_db
def test_a_readers_own_position_leaves_the_other_rows_of_the_breakdown_shared(
    scenario, make_person
):
    reader = scenario["reader"]
    french = make_person("fr@example.org", digest_frequency="daily", language=reader.language)
    Follow.objects.create(user=french, recommendation=scenario["r3"])
    people = selectors.batch_people(frequency="daily", user_ids=[reader.pk, french.pk])
    with freeze_time(SEND):
        digests = selectors.digests_build(people=people, period=period_starting("daily", DAY))
        (theirs,), (shared_news,) = digests[reader.pk].followed, digests[french.pk].followed
        # Their own position was the one new in its group: that row drops out of theirs, and
        # the other row is the batch's very row.
        patients, payers = shared_news.groups
        assert theirs.groups == [payers] and theirs.groups[0] is payers
        fragments = digests[reader.pk].fragments
        fragments.clear()
        shared = [emails.render_digest(d) for d in digests.values()]
        rows = [k for k in fragments if k[3:] == (payers.key,)]
        assert len(rows) == 2  # one in the text, one in the HTML: for both readers
        for d in digests.values():
            d.fragments = None
        alone = [emails.render_digest(d) for d in digests.values()]
    assert shared == alone


# -- Failures --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_temporary_smtp_failure_is_retried_and_a_refusal_is_recorded(
    scenario, monkeypatch, make_person, admin_client_with_mfa
):
    refused = make_person("refused@example.org", digest_frequency="daily")
    Follow.objects.create(user=refused, recommendation=scenario["r3"])
    real = emails.send_digest
    failures = {"reader@example.org": [smtplib.SMTPServerDisconnected("Connection lost")]}

    def flaky(*, digest, connection=None):
        if digest.user.email == "refused@example.org":
            raise smtplib.SMTPRecipientsRefused({"refused@example.org": (550, b"No such user")})
        if failures.get(digest.user.email):
            raise failures[digest.user.email].pop()
        return real(digest=digest, connection=connection)

    monkeypatch.setattr(emails, "send_digest", flaky)
    ids = [scenario["reader"].pk, refused.pk]
    with freeze_time(SEND):
        with pytest.raises(services.DigestsDeferred):
            services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=ids)
        reader_record = DigestRecord.objects.get(user=scenario["reader"])
        assert (reader_record.status, reader_record.claimed_at) == ("claimed", None)
        assert "SMTPServerDisconnected" in reader_record.error
        # The task's retry: the released digest goes, the refused one is not tried again.
        report = services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=ids)
    assert report.sent == [scenario["reader"].pk] and report.taken == [refused.pk]
    assert len(to("reader@example.org")) == 1 and to("refused@example.org") == []
    record = DigestRecord.objects.get(user=refused)
    assert record.status == "failed" and "550" in record.error
    assert DigestRecord.objects.get(user=scenario["reader"]).attempts == 2

    # Visible in the admin: filter by status, read the error.
    page = admin_client_with_mfa.get(
        reverse("admin:digests_digestrecord_changelist") + "?status__exact=failed"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "refused@example.org" in html and "SMTPRecipientsRefused" in html
    assert "reader@example.org" not in html


@pytest.mark.django_db
def test_temporary_failures_become_final_after_the_last_attempt(scenario, monkeypatch, settings):
    settings.DIGEST_MAX_ATTEMPTS = 2

    def down(*, digest, connection=None):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(emails, "send_digest", down)
    ids = [scenario["reader"].pk]
    with freeze_time(SEND):
        with pytest.raises(services.DigestsDeferred):
            services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=ids)
        report = services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=ids)
    assert report.failed == ids
    record = DigestRecord.objects.get()
    assert (record.status, record.attempts) == ("failed", 2)
    assert "ConnectionRefusedError" in record.error


# -- Queries ---------------------------------------------------------------------------------


def _crowd(n, scenario, groups):
    """n subscribers who each follow P2-R1, have P1 at heart and a comment replied to."""
    r3 = scenario["r3"]
    p1 = scenario["r1"].pillar
    with at(BEFORE, -60):
        people = User.objects.bulk_create(
            User(
                email=f"crowd{i}@example.org",
                display_name=f"Crowd {i}",
                digest_frequency="daily",
                stakeholder_group=groups["academia"],
            )
            for i in range(n)
        )
        from allauth.account.models import EmailAddress

        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in people
        )
        Follow.objects.bulk_create(Follow(user=u, recommendation=r3) for u in people)
        User.pillars_of_interest.through.objects.bulk_create(
            User.pillars_of_interest.through(user_id=u.pk, pillar_id=p1.pk) for u in people
        )
        roots = Comment.objects.bulk_create(
            Comment(recommendation=r3, author=u, body="Mine.", body_html="<p>Mine.</p>")
            for u in people
        )
    with at(DURING, 30):
        Comment.objects.bulk_create(
            Comment(
                recommendation=r3,
                author=scenario["olga"],
                parent=c,
                root=c,
                depth=1,
                body="Answer.",
                body_html="<p>Answer.</p>",
            )
            for c in roots
        )
        Position.objects.bulk_create(
            Position(
                recommendation=r3,
                author=u,
                stance="endorse",
                version=r3.versions.get(number=1),
            )
            for u in people
        )
    return [u.pk for u in people]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.parametrize("mark_every", [1, 100])
def test_a_batch_costs_the_same_queries_for_10_or_100_people(
    scenario, groups, n, mark_every, settings, django_assert_num_queries
):
    settings.DIGEST_MARK_EVERY = mark_every
    ids = _crowd(n, scenario, groups)
    people = selectors.batch_people(frequency="daily", user_ids=ids)
    period = period_starting("daily", DAY)
    # 1 their pillars of interest, 2 their follows, 3 new versions, 4 status changes, 5 new
    # comments per followed recommendation, 6 their own comments and positions among them,
    # 7 replies to their comments, 8 positions by stakeholder group, 9 amendments,
    # 10 decisions, 11 the most active discussions, 12 the recommendations named.
    with django_assert_num_queries(12):
        digests = selectors.digests_build(people=people, period=period)
    assert all(not d.is_empty and len(d.replies) == 1 for d in digests.values())
    # Everyone's new positions but their own.
    assert all(d.followed[0].new_positions == n + 1 for d in digests.values())

    # The whole batch: 1 the people, 2 their settled records, 3-14 the content above, then
    # the exactly-once writes for the whole batch: the claims' insert (one statement, or one
    # per 99 people on SQLite), the take-over of stale claims, the read-back of this run's
    # claims, and the marks of the sent: one UPDATE per DIGEST_MARK_EVERY messages. By default
    # (1) each message is marked as soon as the server accepts it: the one write per person
    # that exactly-once costs; the reads stay the same whatever the number of people.
    fields = [f for f in DigestRecord._meta.concrete_fields if not f.primary_key]
    inserts = -(-n // connection.ops.bulk_batch_size(fields, ids))
    marks = -(-n // mark_every)
    with freeze_time(SEND), CaptureQueriesContext(connection) as queries:
        report = services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=ids)
    assert len(report.sent) == n
    # PostgreSQL: the marks commit without waiting for the disk (SET and RESET around them).
    unsynced = 2 if connection.vendor == "postgresql" else 0
    assert len(queries) == 14 + inserts + 2 + marks + unsynced
    writes = [q["sql"] for q in queries.captured_queries[14:]]
    assert sum(sql.startswith("INSERT") for sql in writes) == inserts
    assert sum(sql.startswith("UPDATE") for sql in writes) == 1 + marks
    assert set(DigestRecord.objects.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == n


# -- Immediate notifications -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_notifies_on_site_and_by_email_on_commit(
    scenario, eager, django_capture_on_commit_callbacks
):
    reader, olga, r3 = scenario["reader"], scenario["olga"], scenario["r3"]
    mine = Comment.objects.get(author=reader, parent=None)
    Notification.objects.all().delete()
    with at(DURING, 60), django_capture_on_commit_callbacks(execute=False) as callbacks:
        reply = dialogue.comment_create(author=olga, recommendation=r3, body="Yes.", parent=mine)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    note = Notification.objects.get(user=reader)
    assert note.kind == "reply" and "Olga Other replied to your comment on P2-R1" in note.message
    assert note.url == reply.get_absolute_url()
    (message,) = mail.outbox
    assert message.to == ["reader@example.org"]
    assert "A reply to your comment (P2-R1)" in message.subject
    assert f"http://127.0.0.1:8000{reply.get_absolute_url()}" in message.body
    assert NotificationEmail.objects.get(notification=note).status == "sent"
    # The task run again (a retry, a redelivery) sends nothing more.
    row = Outbox.objects.get(object_pk=note.pk)
    assert outbox.outbox_deliver([row.pk]).outcomes == {"taken": 1}
    assert len(mail.outbox) == 1

    # Replying to oneself notifies no one.
    with at(DURING, 60), django_capture_on_commit_callbacks(execute=True):
        dialogue.comment_create(author=reader, recommendation=r3, body="Also.", parent=mine)
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_preferences_decide_the_email_not_the_notification(
    scenario, eager, django_capture_on_commit_callbacks
):
    reader, olga, r3 = scenario["reader"], scenario["olga"], scenario["r3"]
    User.objects.filter(pk=reader.pk).update(notify_replies=False)
    mine = Comment.objects.get(author=reader, parent=None)
    with at(DURING, 60), django_capture_on_commit_callbacks(execute=True):
        dialogue.comment_create(author=olga, recommendation=r3, body="Hm.", parent=mine)
    assert Notification.objects.filter(user=reader, kind="reply").count() == 2
    assert mail.outbox == []


@pytest.mark.django_db
def test_decisions_on_amendments_and_new_wording_notify(
    scenario, eager, make_person, django_capture_on_commit_callbacks
):
    paul = scenario["paul"]
    admin = make_person("ca@example.org", groups=["Consultation admins"], display_name="Ada")
    Notification.objects.all().delete()
    amendment = Amendment.objects.get(title="Pay per patient")  # Paul's, open
    with at(DURING, 60), django_capture_on_commit_callbacks(execute=True):
        dialogue.amendment_accept(amendment=amendment, acting_user=admin, reason="Convincing.")
    decision = Notification.objects.get(user=paul, kind="decision")
    assert decision.message == "Your amendment to P2-R1 was accepted: Convincing."
    assert decision.url.endswith(f"/amendments/{amendment.pk}/")
    # Olga and the reader took positions on the earlier wording (Paul's is on it too).
    assert set(
        Notification.objects.filter(kind="wording_change").values_list("user__email", flat=True)
    ) == {"olga@example.org", "reader@example.org", "paul@example.org"}
    subjects = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert (
        "paul@example.org",
        "[Plant to patient] A decision on your contribution (P2-R1)",
    ) in subjects
    assert (
        "olga@example.org",
        "[Plant to patient] New wording of a recommendation you took a position on (P2-R1)",
    ) in subjects
    assert len(mail.outbox) == 4


@pytest.mark.django_db
def test_the_notification_list_counts_unread_in_the_nav_and_marks_read(client, scenario):
    reader = scenario["reader"]
    client.force_login(reader)  # counts the unread at login: the nav reads the cache
    unread = Notification.objects.filter(user=reader, read_at=None).count()
    assert unread == 2  # Olga's reply and the decision
    home = client.get(reverse("recommendations:home")).content.decode()
    assert f'<span class="badge">{unread}<span class="visually-hidden"> unread</span>' in home

    page = client.get(reverse("digests:notifications"))
    html = page.content.decode()
    assert "2 unread." in html and "Olga Other replied to your comment on P2-R1" in html
    first = Notification.objects.filter(user=reader).first()
    client.post(reverse("digests:notifications_read"), {"pk": first.pk})
    assert Notification.objects.get(pk=first.pk).read_at is not None
    html = client.get(reverse("digests:notifications")).content.decode()
    assert "1 unread." in html
    assert '<span class="badge">1<span class="visually-hidden"> unread</span>' in html
    # Someone else's notification cannot be marked through this one's list.
    theirs = Notification.objects.create(user=scenario["olga"], kind="reply", message="x")
    client.post(reverse("digests:notifications_read"), {"pk": theirs.pk})
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    client.post(reverse("digests:notifications_read"))
    assert not Notification.objects.filter(user=reader, read_at=None).exists()
    home = client.get(reverse("recommendations:home")).content.decode()
    assert 'class="badge"' not in home

    client.logout()
    response = client.get(reverse("digests:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_notification_from_another_app_raises_the_count_on_commit(
    client, scenario, django_capture_on_commit_callbacks
):
    reader = scenario["reader"]
    client.force_login(reader)  # 2 unread, counted
    with django_capture_on_commit_callbacks(execute=True):
        # As moderation's decisions are told: one notice, through the one way to notify.
        notify(user_id=reader.pk, kind="decision", message="Hidden: off topic.", email=False)
    home = client.get(reverse("recommendations:home")).content.decode()
    assert '<span class="badge">3<span class="visually-hidden"> unread</span>' in home


@pytest.mark.django_db
def test_the_nav_count_costs_no_query_once_counted(client, scenario):
    client.force_login(scenario["reader"])
    client.get(reverse("digests:notifications"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("recommendations:home"))
    assert not any('"consultation_notification"' in q["sql"] for q in queries.captured_queries)


# -- Status history --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_status_change_is_recorded_once(scenario):
    r1 = scenario["r1"]
    r1.status = Recommendation.Status.ADOPTED
    r1.save()
    r1.save()  # unchanged: nothing more
    r1.title = "Renamed"
    r1.save(update_fields=["title"])
    changes = list(
        RecommendationStatusChange.objects.filter(recommendation=r1).values_list(
            "old_status", "new_status"
        )
    )
    assert changes == [("open", "adopted")]


# -- The command -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_dry_run_sends_and_records_nothing(scenario, capsys):
    with freeze_time(SEND):
        call_command("send_digests", "--frequency", "daily", "--dry-run")
    out = capsys.readouterr().out
    assert "daily digests for 2026-05-04 to 2026-05-04 (dry run" in out
    assert "reader@example.org: 2 changes, 1 followed, 1 replies, 1 decisions" in out
    assert mail.outbox == [] and not DigestRecord.objects.exists()


@pytest.mark.django_db
def test_the_command_sends_to_one_person_then_the_rest_once(scenario, make_person, capsys):
    other = make_person("other@example.org", digest_frequency="daily")
    Follow.objects.create(user=other, recommendation=scenario["r3"])
    with freeze_time(SEND):
        call_command("send_digests", "--frequency", "daily", "--user", "OTHER@example.org")
        assert [m.to for m in mail.outbox] == [["other@example.org"]]
        call_command("send_digests", "--frequency", "daily")
        call_command("send_digests", "--frequency", "daily")
    assert sorted(m.to[0] for m in mail.outbox) == ["other@example.org", "reader@example.org"]
    assert "0 people due" in capsys.readouterr().out
    with pytest.raises(Exception, match="does not receive weekly digests"):
        call_command("send_digests", "--frequency", "weekly", "--user", "other@example.org")


# -- Admin, schedules, clean-up --------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_previews_a_persons_next_digest(scenario, admin_client_with_mfa):
    url = reverse("admin:digests_digestrecord_preview")
    assert (
        url
        in admin_client_with_mfa.get(
            reverse("admin:digests_digestrecord_changelist")
        ).content.decode()
    )
    with freeze_time(DURING + timedelta(hours=2)):
        response = admin_client_with_mfa.get(
            url, {"person": "reader@example.org", "frequency": "daily"}
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your daily digest of 4 May 2026" in html
    assert "srcdoc=" in html and "Pay for outcomes" in html
    assert "Olga Other replied on P2-R1" in html
    assert mail.outbox == [] and not DigestRecord.objects.exists()
    missing = admin_client_with_mfa.get(url, {"person": "nobody@example.org"})
    assert "No person with the e-mail address or id" in missing.content.decode()


@pytest.mark.django_db
def test_the_preview_is_for_staff_with_the_permission(client, stakeholder):
    client.force_login(stakeholder)
    response = client.get(reverse("admin:digests_digestrecord_preview"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_beat_schedules_come_from_the_data_migration():
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab")}
    daily, weekly = tasks["Daily digest"], tasks["Weekly digest"]
    assert daily.task == weekly.task == "digests.tasks.fan_out_digests"
    assert daily.kwargs == '{"frequency": "daily"}' and weekly.kwargs == '{"frequency": "weekly"}'
    assert (daily.crontab.hour, daily.crontab.minute, daily.crontab.day_of_week) == ("7", "0", "*")
    assert (weekly.crontab.hour, weekly.crontab.day_of_week) == ("7", "1")
    assert str(daily.crontab.timezone) == "Europe/Brussels"
    assert tasks["Digests: clean up old records"].task == "digests.tasks.clean_up_digest_records"
    assert tasks["Digests: catch up"].task == "digests.tasks.catch_up_digests"


@pytest.mark.django_db
def test_the_catch_up_waits_for_seven_and_sends_weeklies_on_monday_only(scenario):
    User.objects.filter(pk=scenario["reader"].pk).update(digest_frequency="weekly")
    with freeze_time(datetime(2026, 5, 4, 6, 30, tzinfo=BRUSSELS)):  # Monday, before 07:00
        assert services.digest_catch_up(run_batch=queue_batch) == {}
    with freeze_time(datetime(2026, 5, 5, 9, 30, tzinfo=BRUSSELS)):  # Tuesday
        assert services.digest_catch_up(run_batch=queue_batch) == {"daily": 0}
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_clean_up_forgets_old_records(scenario, settings):
    settings.DIGEST_RECORD_RETENTION_DAYS = 90
    reader = scenario["reader"]
    DigestRecord.objects.create(user=reader, frequency="daily", period_start=date(2026, 1, 1))
    DigestRecord.objects.create(user=reader, frequency="daily", period_start=date(2026, 4, 1))
    with freeze_time(SEND):
        assert services.digest_records_clean_up()["digest_records"] == 1
    assert list(DigestRecord.objects.values_list("period_start", flat=True)) == [date(2026, 4, 1)]


# -- #18: one line per item, excerpts as readers see them --------------------------------------


@pytest.mark.django_db
def test_a_recommendation_new_reworded_and_moved_in_the_period_is_listed_once(
    scenario, recommendation_factory
):
    pillar = scenario["r1"].pillar
    with at(DURING):
        fresh = recommendation_factory(pillar=pillar, reference="P1-R9", title="Fresh idea")
    with at(DURING, 30):
        RecommendationVersion.objects.create(
            recommendation=fresh, number=2, title="Fresh idea", body="Reworded.", reason="x"
        )
        RecommendationVersion.objects.create(
            recommendation=scenario["r1"], number=3, title="Launch faster", body="Again."
        )
    with at(DURING, 60):
        fresh.status = Recommendation.Status.UNDER_REVIEW
        fresh.save()
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    text, html = message.body, html_of(message)
    for part in (text, html):
        # Once each: new (its later wording of the same day folds in) with its new status;
        # R1's two new wordings as its latest.
        assert part.count("P1-R9 Fresh idea") == 1, part
        assert part.count("P1-R1 Launch faster") == 1, part
        assert "new wording (version 3)" in part and "version 2" not in part
    assert "P1-R9 Fresh idea (Supply chain): new; status Open for discussion → Under review" in (
        text
    )
    assert "P1-R1 Launch faster (Supply chain): new wording (version 3)\n" in text


@pytest.mark.django_db
def test_a_replys_excerpt_is_its_rendered_text_cut_at_a_word(scenario):
    long = "**Strongly** disagree: see [the study](https://example.org/s) and `code`. " + (
        "Supply matters more than price in every market we studied. " * 6
    )
    with at(DURING):
        mine = Comment.objects.get(author=scenario["reader"], body="My view.")
        dialogue.comment_create(
            author=scenario["paul"],
            recommendation=scenario["r3"],
            body=long,
            parent=mine,
        )
    with freeze_time(SEND):
        send_daily()
    (message,) = to("reader@example.org")
    text, html = message.body, html_of(message)
    excerpt = "“Strongly disagree: see the study and code. Supply matters more than price"
    for part in (text, html):
        assert "**" not in part and "](" not in part and "`" not in part
        assert excerpt in part
    (line,) = [ln for ln in text.splitlines() if "Paul Payer replied on P2-R1" in ln]
    quoted = line.split("“", 1)[1].rstrip("”")
    assert quoted.endswith("…") and len(quoted) <= 200
    # Cut after a whole word of the text (no word split in two).
    assert quoted[:-1].split()[-1] in long.split()
    assert "Paul Payer replied on P2-R1" in html


# -- Leases ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dead_workers_claims_return_after_the_lease_and_the_sweep_hands_them_on(
    scenario, settings
):
    settings.DIGEST_LEASE_SECONDS = 300
    reader, olga = scenario["reader"].pk, scenario["olga"].pk
    period = period_starting("daily", DAY)
    with freeze_time(SEND):
        services.digests_claim(user_ids=[reader], period=period, token="dead")
    handed = []

    def run_batch(frequency, start, ids):
        handed.append((frequency, start, ids))

    with freeze_time(SEND + timedelta(minutes=4)):
        assert services.digest_reclaim(run_batch=run_batch) == 0  # the lease still runs
        send_daily()
        assert to("reader@example.org") == []
    with freeze_time(SEND + timedelta(minutes=5, seconds=1)):
        assert services.digest_reclaim(run_batch=run_batch) == 1
        assert handed == [("daily", DAY.isoformat(), [reader])]
        services.digest_send_batch(frequency="daily", period_start=DAY, user_ids=[reader, olga])
        assert len(to("reader@example.org")) == 1
        assert services.digest_reclaim(run_batch=run_batch) == 0  # sent: nothing to hand on
    record = DigestRecord.objects.get(user_id=reader)
    assert (record.status, record.attempts) == ("sent", 2)
    assert PeriodicTask.objects.get(task="digests.tasks.reclaim_digests").crontab.minute == "*"


@pytest.mark.django_db
def test_a_live_batch_renews_its_leases_and_sends_under_a_stable_message_id(scenario, settings):
    settings.DIGEST_LEASE_SECONDS = 3  # renewed every second
    settings.SITE_URL = "https://consult.example.org"
    reader = scenario["reader"]
    period = period_starting("daily", DAY)
    with freeze_time(SEND):
        records = services.digests_claim(user_ids=[reader.pk], period=period, token="live")
        marks = services._SentMarks("live", held=[records[reader.pk].pk])
        DigestRecord.objects.update(claimed_at=SEND - timedelta(hours=1))  # as if long ago
        marks.renew()  # not due yet: nothing written
        assert DigestRecord.objects.get().claimed_at == SEND - timedelta(hours=1)
        marks.renewed -= 1.5
        marks.renew()
        assert DigestRecord.objects.get().claimed_at == SEND
        DigestRecord.objects.all().delete()
        send_daily()
    (message,) = to("reader@example.org")
    # Made of the record's key: a re-send after a crash carries the same one.
    expected = f"<digest.daily.20260504.{reader.pk}@consult.example.org>"
    assert message.extra_headers["Message-ID"] == expected
    assert message.message()["Message-ID"] == expected

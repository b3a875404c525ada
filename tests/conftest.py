from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation
from inflection import underscore
from pytest_factoryboy import register

from . import factories
from .htmlcheck import Checker


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`make test`), the browser tests run in one process (one Chromium,
    one live server at a time) and so do the tests that start a Celery worker or beat."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("worker"))


@pytest.fixture
def eager():
    """Queued tasks (the notification e-mails) run at once, in the test's process."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def account_email_inline(monkeypatch):
    """allauth's messages are queued for the worker (accounts.adapter); here they are sent at
    once, so that a test reads them in mail.outbox (test_security_throttling checks the queue)."""
    from accounts.tasks import send_account_email

    monkeypatch.setattr(send_account_email, "delay", send_account_email)


@pytest.fixture(autouse=True)
def default_language():
    """A request's language stays active on its thread after the response (LocaleMiddleware
    activates, nothing deactivates): each test starts in the site's default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits, allauth's sign-in throttles and the unread counts live in the
    (process-wide) cache: every test starts with it empty and leaves nothing behind."""
    cache.clear()
    yield
    cache.clear()


# Every model's factory, registered once (pytest-factoryboy): `<model>_factory` is the factory
# and `<model>` an instance, e.g. `comment_factory(author=...)` or a test asking for `comment`.
# The factory fixtures ask for the database, so a test using one needs no mark.
FACTORIES = [
    factories.UserFactory,
    factories.ConsultationFactory,
    factories.PillarFactory,
    factories.AdvocateFactory,
    factories.ChallengeFactory,
    factories.RecommendationFactory,
    factories.FollowFactory,
    factories.CommentFactory,
    factories.PositionFactory,
    factories.AmendmentFactory,
    factories.FlagFactory,
    factories.NotificationFactory,
]


def _with_database(factory_class):
    @pytest.fixture(name=f"{underscore(factory_class._meta.model.__name__)}_factory")
    def factory_fixture(db):
        return factory_class

    return factory_fixture


for _factory in FACTORIES:
    register(_factory)
    # In place of the factory fixture pytest-factoryboy defines (same name): it asks for `db`.
    globals()[f"{underscore(_factory._meta.model.__name__)}_factory"] = _with_database(_factory)


# The recommendation most tests discuss: P1-R1 of a small open consultation.
TITLE = "Secure the supply of plant material"
BODY = "Regulators should publish clear guidance on plant material."


@pytest.fixture
def recommendation(recommendation_factory, consultation_factory):
    return recommendation_factory(
        pillar__consultation=consultation_factory(slug="demo", title="Plant to patient"),
        reference="P1-R1",
        title=TITLE,
        body=BODY,
    )


@pytest.fixture
def white_paper(db):
    """The canonical seed, imported as `make run` imports it."""
    from recommendations.models import Consultation

    call_command("seed_recommendations", verbosity=0)
    return Consultation.objects.get(slug="from-plant-to-patient")


@pytest.fixture
def stakeholder_group(db):
    from accounts.models import StakeholderGroup

    return StakeholderGroup.objects.get(slug="patient-organisation")


def _person(email, groups=(), verified=True, declared=True, **fields):
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import Group
    from django.utils import timezone

    if declared:
        fields.setdefault("interests", "None.")
        fields.setdefault("interests_declared_at", timezone.now())
    user = factories.UserFactory(email=email, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def make_person(db):
    """A person with a verified e-mail address and declared interests unless told otherwise."""
    return _person


@pytest.fixture
def stakeholder(make_person, stakeholder_group):
    return make_person(
        "stakeholder@example.org",
        display_name="Sam Stakeholder",
        organisation="Patients Together",
        stakeholder_group=stakeholder_group,
    )


@pytest.fixture
def moderator(make_person):
    return make_person(
        "moderator@example.org", groups=["Moderators"], display_name="Mo Derator", is_staff=True
    )


@pytest.fixture
def consultation_admin(make_person):
    return make_person(
        "admin@example.org", groups=["Consultation admins"], display_name="Ada Admin", is_staff=True
    )


@pytest.fixture
def with_totp():
    """Give a person a TOTP authenticator, as the set-up page would."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def activate(user):
        TOTP.activate(user, generate_totp_secret())
        return user

    return activate


@pytest.fixture
def admin_client_with_mfa(client, make_person, with_totp):
    """A superuser's client, past the two-factor set-up the admin asks for."""
    root = make_person("root@example.org", is_staff=True, is_superuser=True)
    client.force_login(with_totp(root))
    return client


def _team_group():
    """The consultation team's group with its permission (made by a data migration; made
    again here after a browser test flushed the database)."""
    from django.contrib.auth.models import Group, Permission

    from responses.rules import CONSULTATION_TEAM

    team, _ = Group.objects.get_or_create(name=CONSULTATION_TEAM)
    team.permissions.add(
        Permission.objects.get(content_type__app_label="responses", codename="respond")
    )
    return team


@pytest.fixture
def team_member(make_person):
    """A member of the consultation team, who writes responses."""
    person = make_person("team@example.org", display_name="Tess Team")
    person.groups.add(_team_group())
    return person


@pytest.fixture
def second_team_member(make_person):
    """Another member of the team, who reviews and publishes what the first wrote."""
    person = make_person("team2@example.org", display_name="Rex Reviewer")
    person.groups.add(_team_group())
    return person


@pytest.fixture
def superuser(make_person):
    return make_person(
        "root@example.org", display_name="Ada Root", is_staff=True, is_superuser=True
    )


@pytest.fixture(scope="session")
def html_checker():
    """The Nu HTML Checker (tests/htmlcheck.py), one for the session: the browser tests check
    every page and fragment they receive with it, tests/test_valid_html.py the other pages.
    Waited for before the first use: a JVM start competing with Chromium's for the CPU would
    time the first browser test's page out."""
    checker = Checker(Path(settings.VAR_DIR) / "vnu.log")
    checker.start()
    checker.wait()
    checker.check("warm-up", "<p>A first check, before any page's: the JVM compiles as it goes.")
    yield checker
    checker.stop()

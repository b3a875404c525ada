import factory
from django.utils import timezone

from accounts.models import User
from consultation.models import Amendment, Comment, Follow, Position
from core.markup import render_markdown
from moderation.models import Flag
from notifications.models import Notification
from recommendations.models import (
    Advocate,
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
    RecommendationVersion,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name")
    password = factory.django.Password("correct horse battery staple")


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"consultation-{n}")
    title = factory.Sequence(lambda n: f"Consultation {n}")
    organiser = "Johnson & Johnson"
    summary = "What the consultation is about."
    source_kinds = factory.LazyFunction(
        lambda: [
            {"code": "panel", "label": "From the panel"},
            {"code": "organiser", "label": "From the organiser"},
        ]
    )
    state = Consultation.State.OPEN
    opens_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=60))


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pillar

    consultation = factory.SubFactory(ConsultationFactory)
    code = factory.Sequence(lambda n: f"P{n + 1}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Pillar {n + 1}")


class AdvocateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advocate
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"advocate-{n}")
    name = factory.Sequence(lambda n: f"Advocate {n}")


class ChallengeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Challenge

    pillar = factory.SubFactory(PillarFactory)
    consultation = factory.SelfAttribute("pillar.consultation")
    code = factory.Sequence(lambda n: f"C{n + 1}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Challenge {n + 1}")


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A recommendation with its first version, as the importer creates it."""

    class Meta:
        model = Recommendation
        skip_postgeneration_save = True

    pillar = factory.SubFactory(PillarFactory)
    consultation = factory.SelfAttribute("pillar.consultation")
    reference = factory.Sequence(lambda n: f"R{n + 1}")
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Recommendation {n + 1}")
    body = "What should be done."
    source = "panel"
    source_passage = "**Recommendation** (*industry*): as the paper says."

    @factory.post_generation
    def version(self, create, extracted, **kwargs):
        if create:
            RecommendationVersion.objects.create(
                recommendation=self, number=1, title=self.title, body=self.body, reason="Imported"
            )

    @factory.post_generation
    def advocates(self, create, extracted, **kwargs):
        if create and extracted:
            RecommendationAdvocate.objects.bulk_create(
                RecommendationAdvocate(recommendation=self, advocate=a, position=i)
                for i, a in enumerate(extracted)
            )


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    user = factory.SubFactory(UserFactory)
    recommendation = factory.SubFactory(RecommendationFactory)


class CommentFactory(factory.django.DjangoModelFactory):
    """A published top-level comment (a reply: parent=..., root=..., depth=1)."""

    class Meta:
        model = Comment

    recommendation = factory.SubFactory(RecommendationFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment {n}: clear guidance is not enough.")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))


class PositionFactory(factory.django.DjangoModelFactory):
    """A position on the recommendation's current wording."""

    class Meta:
        model = Position

    recommendation = factory.SubFactory(RecommendationFactory)
    author = factory.SubFactory(UserFactory)
    stance = Position.Stance.ENDORSE
    version = factory.LazyAttribute(lambda o: o.recommendation.versions.order_by("-number")[0])


class AmendmentFactory(factory.django.DjangoModelFactory):
    """An open amendment on the recommendation's current wording."""

    class Meta:
        model = Amendment

    recommendation = factory.SubFactory(RecommendationFactory)
    author = factory.SubFactory(UserFactory)
    base_version = factory.LazyAttribute(lambda o: o.recommendation.versions.order_by("-number")[0])
    title = factory.Sequence(lambda n: f"Amended recommendation {n}")
    body = "What should be done, better."
    justification = "Because the evidence says so."


class FlagFactory(factory.django.DjangoModelFactory):
    """A report of a comment."""

    class Meta:
        model = Flag

    comment = factory.SubFactory(CommentFactory)
    flagger = factory.SubFactory(UserFactory)
    reason = Flag.Reason.SPAM


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    kind = Notification.Kind.REPLY
    message = factory.Sequence(lambda n: f"Notification {n}.")

import factory
from django.utils import timezone

from accounts.models import User
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

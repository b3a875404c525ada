"""Demo data for responses, only on request (`create_demo_users --sample-responses`): a
consultation-team login and a few responses marked as samples everywhere they show. The
seeded white paper itself carries no response: the organisers have not answered yet."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from recommendations.models import Consultation, Recommendation

from .models import Response
from .rules import CONSULTATION_TEAM
from .services import response_review, response_save, response_statuses_ensure

TEAM_EMAILS = ("team@example.org", "team2@example.org")
SAMPLES = 3
SAMPLE_TEXT = (
    "**Sample response for the demonstration: not written by the organisers.**\n\n"
    "This shows how a response reads: the status the organisers chose, their reasons, and "
    "the contributions that shaped it."
)


def demo_team_ensure(*, password: str) -> list[User]:
    """Two members of the consultation team (a response is reviewed by a second one)."""
    team = Group.objects.get(name=CONSULTATION_TEAM)
    members = []
    for number, email in enumerate(TEAM_EMAILS, start=1):
        user, _created = User.objects.update_or_create(
            email=email,
            defaults={
                "display_name": f"Demo consultation team {number}",
                "organisation": "Consultation secretariat",
                "interests": "None (demo account).",
                "interests_declared_at": timezone.now(),
            },
        )
        user.set_password(password)
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        user.groups.add(team)
        members.append(user)
    return members


def demo_team() -> list[User]:
    """The two demo members of the consultation team, as `demo_team_ensure` made them."""
    return [User.objects.get(email=email) for email in TEAM_EMAILS]


@transaction.atomic
def sample_responses_create(*, writer: User, reviewer: User) -> list[Response]:
    """Published sample responses on the first recommendations without one, in each
    consultation; marked `sample` (the pages and exports say so)."""
    created = []
    for consultation in Consultation.objects.exclude(state=Consultation.State.DRAFT):
        statuses = response_statuses_ensure(consultation=consultation)
        free = Recommendation.objects.filter(consultation=consultation, response=None).order_by(
            "pillar__position", "position"
        )[:SAMPLES]
        for index, recommendation in enumerate(free):
            response = response_save(
                recommendation=recommendation,
                acting_user=writer,
                status=statuses[index % len(statuses)],
                text=SAMPLE_TEXT,
            )
            Response.objects.filter(pk=response.pk).update(sample=True)
            created.append(response_review(response=response, acting_user=reviewer))
    return created

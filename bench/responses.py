"""The responses scenario's data: a closed consultation of 2,500 recommendations, each with
its wording changed (two versions), positions from a few hundred people, and a published
response of the organisers; "You said, we did" and the synopsis are timed on it."""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from consultation.models import Position
from consultation.services.summaries import summaries_rebuild
from recommendations.models import Consultation, Pillar, Recommendation, RecommendationVersion
from responses.models import Response
from responses.services import response_statuses_ensure

from .data import PILLAR_TITLES, _sentence, _users


@dataclass
class ResponsesData:
    slug: str
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def create_responses(
    *, recommendations: int = 2_500, people: int = 300, slug: str = "bench-responses", seed: int = 3
) -> ResponsesData:
    rng = random.Random(seed)
    now = timezone.now()
    consultation = Consultation.objects.create(
        slug=slug,
        title="Bench: a closed consultation, answered",
        organiser="Bench Organiser",
        state=Consultation.State.CLOSED,
        opens_at=now - timedelta(days=120),
        closes_at=now - timedelta(days=10),
    )
    pillars = Pillar.objects.bulk_create(
        Pillar(consultation=consultation, code=f"P{p}", position=p, title=PILLAR_TITLES[p - 1])
        for p in range(1, 4)
    )
    rows = Recommendation.objects.bulk_create(
        Recommendation(
            consultation=consultation,
            pillar=pillars[i % 3],
            reference=f"{pillars[i % 3].code}-R{i + 1}",
            position=i + 1,
            title=_sentence(rng, 6),
            body=_sentence(rng, 25),
        )
        for i in range(recommendations)
    )
    originals = RecommendationVersion.objects.bulk_create(
        RecommendationVersion(recommendation=r, number=1, title=r.title, body=_sentence(rng, 25))
        for r in rows
    )
    RecommendationVersion.objects.bulk_create(
        RecommendationVersion(recommendation=r, number=2, title=r.title, body=r.body) for r in rows
    )
    authors = _users(rng, people, prefix="bench-responses")
    Position.objects.bulk_create(
        Position(
            recommendation=r,
            author=author,
            stance=rng.choice(["endorse", "endorse", "oppose"]),
            reason="Because.",  # an opposing position needs one
            version=version,
        )
        for r, version in zip(rows, originals, strict=True)
        for author in rng.sample(authors, 3)
    )
    summaries_rebuild()  # bulk-made positions: counted as the services count them
    statuses = response_statuses_ensure(consultation=consultation)
    reviewer = authors[0]
    Response.objects.bulk_create(
        Response(
            recommendation=r,
            state=Response.State.PUBLISHED,
            status=rng.choice(statuses),
            text="Reasons.",
            text_html="<p>Reasons.</p>",
            drafted_by=reviewer,
            reviewed_by=reviewer,
            published_at=now,
        )
        for r in rows
    )
    return ResponsesData(
        slug=slug,
        counts={"recommendations": recommendations, "positions": recommendations * 3},
    )

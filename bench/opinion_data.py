"""Synthetic positions for the opinion-group tests and the bench: planted camps of opinion."""

import numpy as np

STANCES = np.array([1.0, 0.5, -1.0], dtype=np.float32)  # endorse, reservations, oppose


def planted(
    *,
    camps: int,
    per_camp: int,
    recommendations: int = 20,
    noise: float = 0.05,
    answered: float = 0.8,
    seed: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """(values, true camp of each row). Each camp endorses or opposes each recommendation
    (camps differ on at least a third of them); a participant answers a share of the
    recommendations, and with probability `noise` takes a random stance instead."""
    rng = np.random.default_rng(seed)
    profiles = np.repeat(rng.choice([1.0, -1.0], size=(1, recommendations)), camps, axis=0)
    flips = rng.permutation(recommendations)
    step = recommendations // (2 * max(camps - 1, 1))
    for c in range(1, camps):  # each camp flips its own half: camps differ on a third or more
        start = (c - 1) * step
        profiles[c, flips[start : start + recommendations // 2]] *= -1
    truth = np.repeat(np.arange(camps), per_camp)
    values = profiles[truth].astype(np.float32)
    noisy = rng.random(values.shape) < noise
    values[noisy] = rng.choice(STANCES, size=int(noisy.sum()))
    values[rng.random(values.shape) > answered] = np.nan
    order = rng.permutation(len(truth))
    return values[order], truth[order]


def create_positions(*, consultation, values: np.ndarray, declared: list | None = None):
    """Writes `values` (participants × recommendations) as a consultation's positions: one
    recommendation per column (with its first version) and one person per row, with the
    stakeholder group `declared[row]` (or none). Raw inserts, so millions take seconds.
    Returns (users, recommendations) as id lists."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from recommendations.models import Pillar, Recommendation, RecommendationVersion

    stance_of = {1.0: "endorse", 0.5: "reservations", -1.0: "oppose"}
    now = timezone.now()
    n, m = values.shape
    with transaction.atomic():
        pillar = Pillar.objects.create(consultation=consultation, code="OP", title="Opinions")
        recs = Recommendation.objects.bulk_create(
            Recommendation(
                consultation=consultation,
                pillar=pillar,
                reference=f"OP-R{j + 1}",
                position=j,
                title=f"Recommendation {j + 1}",
                body="What should be done.",
            )
            for j in range(m)
        )
        versions = RecommendationVersion.objects.bulk_create(
            RecommendationVersion(recommendation=r, number=1, title=r.title, body=r.body)
            for r in recs
        )
        tag = f"{consultation.slug}-{consultation.pk}"
        users = User.objects.bulk_create(
            (
                User(
                    email=f"p{i}-{tag}@opinions.example",
                    display_name=f"Participant {i}",
                    password="!",
                    stakeholder_group=declared[i] if declared else None,
                )
                for i in range(n)
            ),
            batch_size=5_000,
        )
        if not users or users[0].pk is None:  # SQLite before 3.35 returns no ids
            users = list(User.objects.filter(email__endswith=f"-{tag}@opinions.example"))
            users.sort(key=lambda u: int(u.email[1:].split("-", 1)[0]))
        rows, cols = np.nonzero(~np.isnan(values))
        sql = (
            "INSERT INTO consultation_position (recommendation_id, author_id, stance, reason,"
            " version_id, on_behalf_of_organisation, organisation, created_at, updated_at,"
            " moderation_state) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 20_000):
                batch = []
                for i, j in zip(
                    rows[start : start + 20_000], cols[start : start + 20_000], strict=True
                ):
                    stance = stance_of[float(values[i, j])]
                    reason = "" if stance == "endorse" else "Because."
                    batch.append(
                        (
                            recs[j].pk,
                            users[i].pk,
                            stance,
                            reason,
                            versions[j].pk,
                            False,
                            "",
                            now,
                            now,
                            "published",
                        )
                    )
                cursor.executemany(sql, batch)
    return [u.pk for u in users], [r.pk for r in recs]

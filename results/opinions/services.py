"""Runs the opinion groups and stores the result (the only writes of results/opinions/)."""

import time

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from accounts.models import StakeholderGroup
from recommendations.models import Consultation

from ..consensus import STANCE_VALUES
from ..models import OpinionMembership, OpinionRun
from . import compute, matrix, summary

KEEP_RUNS = 48  # the runs kept per consultation (two days of hourly runs), for their metadata
MEMBERSHIP_BATCH = 20_000


def parameters() -> compute.Parameters:
    """From the settings; the minimum group size is never below the privacy minimum."""
    return compute.Parameters(
        min_positions=settings.OPINION_GROUPS_MIN_POSITIONS,
        min_group_size=max(summary.PRIVACY_MIN, settings.OPINION_GROUPS_MIN_GROUP_SIZE),
    )


def opinion_groups_compute(*, consultation: Consultation, trigger: str) -> OpinionRun:
    """Computes the consultation's opinion groups from its current positions and stores them,
    with who falls in which group (shown to each person only), replacing the previous run's."""
    started = time.perf_counter()
    params = parameters()
    fingerprint = matrix.fingerprint(consultation)
    previous = OpinionRun.objects.filter(consultation=consultation).only("result").first()
    data = matrix.load(consultation, min_positions=params.min_positions)
    clustering = None
    if len(data.authors):
        clustering = compute.cluster(
            data.values,
            data.columns,
            params,
            summary.previous_centroids(previous.result) if previous else None,
        )
    names = dict(StakeholderGroup.objects.values_list("pk", "name"))
    result = summary.summarise(data, clustering, names, seed=params.seed)
    with transaction.atomic():
        run = OpinionRun.objects.create(
            consultation=consultation,
            trigger=trigger,
            fingerprint=fingerprint,
            parameters={**params.as_dict(), "stance_values": STANCE_VALUES},
            participants=len(data.authors),
            excluded_participants=data.excluded,
            positions=data.positions,
            recommendations=len(data.columns),
            k=clustering.k if clustering else None,
            silhouette=round(clustering.silhouette, 4) if clustering else None,
            result=result,
        )
        OpinionMembership.objects.filter(consultation=consultation).delete()
        if clustering is not None:
            _memberships_insert(run, data.authors, clustering.labels, result)
        old = OpinionRun.objects.filter(consultation=consultation).values_list("pk", flat=True)
        OpinionRun.objects.filter(pk__in=list(old[KEEP_RUNS:])).delete()
        run.duration_ms = round((time.perf_counter() - started) * 1000)
        run.save(update_fields=["duration_ms"])
    return run


def _memberships_insert(run: OpinionRun, authors, labels, result: dict) -> None:
    """Who is in which group: one plain INSERT run for every row (executemany), since model
    instances for 100,000 people would cost more than the whole computation."""
    shown = np.isin(labels, [group["label"] for group in result["groups"]])
    table = connection.ops.quote_name(OpinionMembership._meta.db_table)
    sql = f"INSERT INTO {table} (consultation_id, user_id, run_id, label) VALUES (%s, %s, %s, %s)"
    rows = zip(authors[shown].tolist(), labels[shown].tolist(), strict=True)
    with connection.cursor() as cursor:
        batch = [(run.consultation_id, user, run.pk, label) for user, label in rows]
        for start in range(0, len(batch), MEMBERSHIP_BATCH):
            cursor.executemany(sql, batch[start : start + MEMBERSHIP_BATCH])


def opinion_groups_refresh(*, trigger: str, only_changed: bool) -> list[OpinionRun]:
    """Runs every consultation that is not a draft; with `only_changed`, only those whose
    positions changed since their last run (the debounced run, every minute)."""
    runs = []
    consultations = Consultation.objects.exclude(state=Consultation.State.DRAFT).order_by("pk")
    for consultation in consultations:
        if only_changed:
            last = (
                OpinionRun.objects.filter(consultation=consultation)
                .values_list("fingerprint", flat=True)
                .first()
            )
            if last == matrix.fingerprint(consultation):
                continue
        runs.append(opinion_groups_compute(consultation=consultation, trigger=trigger))
    return runs

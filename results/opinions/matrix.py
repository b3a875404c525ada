"""The participant × recommendation matrix, read straight into numpy.

Rows come through values_list, fetched in chunks by a plain cursor and converted by numpy (no
model objects, no Python loop over rows): 100,000 participants × 25 recommendations is 2.5
million positions, held as small integer arrays. Only published positions of accounts that
are not erased count, whatever DELETED_ACCOUNTS_KEEP_POSITIONS says: an erased person is gone
from the next run.
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, QuerySet, Value, When
from django.db.models.functions import Coalesce

from accounts.models import User
from consultation.models import ModerationState, Position
from recommendations.models import Consultation

from ..consensus import STANCE_VALUES

CHUNK = 50_000
NO_DECLARED = -1  # no stakeholder group given
_STANCES = list(STANCE_VALUES)


@dataclass
class Matrix:
    authors: np.ndarray  # (n,) user ids
    declared: np.ndarray  # (n,) stakeholder group id, NO_DECLARED when none
    columns: list[int]  # recommendation ids
    values: np.ndarray  # (n, m) stance values, NaN for no position
    positions: int  # positions read
    excluded: int  # participants left out for too few positions


def fingerprint(consultation: Consultation) -> str:
    """Changes whenever a position is added, changed, withdrawn or hidden, or an account is
    erased (three queries, no join from the positions): the count, the highest id and the
    newest change of the published positions; the erased accounts' count and latest erasure."""
    recommendations = list(consultation.recommendations.values_list("pk", flat=True))
    positions = Position.objects.filter(
        recommendation_id__in=recommendations, moderation_state=ModerationState.PUBLISHED
    ).aggregate(n=Count("pk"), top=Max("pk"), last=Max("updated_at"))
    erased = User.objects.filter(deleted_at__isnull=False).aggregate(
        n=Count("pk"), last=Max("deleted_at")
    )
    return ":".join(
        str(x.isoformat() if hasattr(x, "isoformat") else x or 0)
        for x in (positions["n"], positions["top"], positions["last"], erased["n"], erased["last"])
    )


def _fetch(queryset: QuerySet, width: int) -> np.ndarray:
    """The rows of an all-integer values_list as an (n, width) int64 array."""
    sql, params = queryset.query.sql_with_params()
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            parts.append(np.array(rows, dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros((0, width), dtype=np.int64)


def _read(consultation: Consultation) -> tuple[np.ndarray, np.ndarray]:
    """(author, recommendation, stance index) rows, and (account, declared group) rows of the
    accounts not erased. Positions are read without joining the accounts (a join per row is
    what costs most on millions of rows); numpy filters them by the accounts instead."""
    recommendations = list(consultation.recommendations.values_list("pk", flat=True))
    stance = Case(
        *(When(stance=s, then=Value(i)) for i, s in enumerate(_STANCES)),
        output_field=IntegerField(),
    )
    positions = _fetch(
        Position.objects.filter(
            recommendation_id__in=recommendations, moderation_state=ModerationState.PUBLISHED
        )
        .annotate(s=stance)
        .values_list("author_id", "recommendation_id", "s")
        .order_by(),
        3,
    )
    people = _fetch(
        User.objects.filter(deleted_at__isnull=True)
        .values_list("pk", Coalesce("stakeholder_group_id", Value(NO_DECLARED)))
        .order_by("pk"),
        2,
    )
    return positions, people


def load(consultation: Consultation, *, min_positions: int) -> Matrix:
    """The matrix of the participants with at least `min_positions` positions."""
    data, people = _read(consultation)
    data = data[np.isin(data[:, 0], people[:, 0])]  # erased accounts out
    authors, author_row = np.unique(data[:, 0], return_inverse=True)
    columns, column = np.unique(data[:, 1], return_inverse=True)
    declared = people[np.searchsorted(people[:, 0], authors), 1]
    weights = np.array([STANCE_VALUES[s] for s in _STANCES], dtype=np.float32)
    values = np.full((len(authors), len(columns)), np.nan, dtype=np.float32)
    values[author_row, column] = weights[data[:, 2]]
    del data
    keep = (~np.isnan(values)).sum(axis=1) >= min_positions
    return Matrix(
        authors=authors[keep],
        declared=declared[keep],
        columns=[int(c) for c in columns],
        values=values[keep],
        positions=int((~np.isnan(values[keep])).sum()),
        excluded=int((~keep).sum()),
    )

"""The participant × recommendation matrix, read straight into numpy.

Rows come through values_list in chunks (no model objects): 100,000 participants × 25
recommendations is 2.5 million positions, held as small integer arrays, never as tuples.
Only published positions of accounts that are not erased count, whatever
DELETED_ACCOUNTS_KEEP_POSITIONS says: an erased person is gone from the next run.
"""

from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max, QuerySet

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


def counted_positions(consultation: Consultation) -> QuerySet[Position]:
    return Position.objects.filter(
        recommendation__consultation=consultation,
        moderation_state=ModerationState.PUBLISHED,
        author__deleted_at__isnull=True,
    )


def fingerprint(consultation: Consultation) -> str:
    """Changes whenever a counted position is added, changed, withdrawn, hidden or its author
    erased (one aggregate query): the count, the newest change and the highest id."""
    agg = counted_positions(consultation).aggregate(
        n=Count("pk"), last=Max("updated_at"), top=Max("pk")
    )
    last = agg["last"].isoformat() if agg["last"] else ""
    return f"{agg['n']}:{agg['top'] or 0}:{last}"


def _read(consultation: Consultation):
    """Four int arrays: author, declared group, recommendation, stance index."""
    rows = (
        counted_positions(consultation)
        .values_list("author_id", "author__stakeholder_group_id", "recommendation_id", "stance")
        .order_by()
        .iterator(chunk_size=CHUNK)
    )
    parts = []
    chunk = []
    stance_index = {s: i for i, s in enumerate(_STANCES)}
    for author, group, rec, stance in rows:
        chunk.append((author, NO_DECLARED if group is None else group, rec, stance_index[stance]))
        if len(chunk) == CHUNK:
            parts.append(np.array(chunk, dtype=np.int64))
            chunk = []
    if chunk:
        parts.append(np.array(chunk, dtype=np.int64))
    if not parts:
        return np.zeros((0, 4), dtype=np.int64)
    return np.concatenate(parts)


def load(consultation: Consultation, *, min_positions: int) -> Matrix:
    """The matrix of the participants with at least `min_positions` positions."""
    data = _read(consultation)
    authors, author_row = np.unique(data[:, 0], return_inverse=True)
    columns, column = np.unique(data[:, 2], return_inverse=True)
    declared = np.full(len(authors), NO_DECLARED, dtype=np.int64)
    declared[author_row] = data[:, 1]
    weights = np.array([STANCE_VALUES[s] for s in _STANCES], dtype=np.float32)
    values = np.full((len(authors), len(columns)), np.nan, dtype=np.float32)
    values[author_row, column] = weights[data[:, 3]]
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

"""The summaries (consultation.models: StanceCount, RecommendationCount, WeekCount), kept in
the transaction of every write that changes what counts (consultation.counting).

A write runs inside `tracking(queryset, ...)`: the summaries' share of the rows it touches is
read before and after (one grouped query per queryset each time), and the difference is added
with one `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n` per summary table, which
PostgreSQL and SQLite both run atomically per row: concurrent writers never lose an increment,
and rows are bumped in key order so that two writers cannot deadlock. The rebuild computes the
same shares over every row in SQL (`summaries_rebuild`, services/rebuild.py: the same grouped
queries, compiled); tests/test_summaries.py checks after random writes through the services
that a rebuild equals the increments.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Count, DateField, Model, Q, QuerySet
from django.db.models.functions import Coalesce, TruncWeek

from accounts.models import User

from ..counting import (
    ENDORSING,
    counted_amendment_q,
    counted_comment_q,
    counted_position_q,
)
from ..models import (
    Amendment,
    Comment,
    ContributorCount,
    GroupCount,
    Position,
    RecommendationCount,
    StanceCount,
    ThreadCount,
    WeekCount,
)
from .rebuild import summaries_rebuild_in_sql


class Table(NamedTuple):
    model: type[Model]
    keys: tuple[str, ...]  # a row's key (its first `unique` fields identify it)
    counted: tuple[str, ...]
    unique: int | None = None  # None: all the key's fields


TABLES = {
    "stance": Table(
        StanceCount,
        ("recommendation_id", "version_id", "group_key", "stance"),
        ("count", "reasons"),
    ),
    "recommendation": Table(
        RecommendationCount,
        ("recommendation_id",),
        ("positions", "endorsements", "comments", "amendments"),
    ),
    "week": Table(WeekCount, ("recommendation_id", "week"), ("positions", "comments")),
    # The thread's top-level comment identifies it; its recommendation and date go with it.
    "thread": Table(
        ThreadCount, ("root_id", "recommendation_id", "created_at"), ("shown", "replies"), 1
    ),
    "contributor": Table(
        ContributorCount,
        ("consultation_id", "pillar_key", "group_key", "person_key"),
        ("contributions",),
    ),
    # `participants` is never a share: it follows the contributors' rows (`_participants`).
    "group": Table(
        GroupCount,
        ("consultation_id", "pillar_key", "group_key"),
        ("participants", "positions", "comments"),
    ),
}

Shares = dict[tuple[str, tuple], Counter]


def _week() -> TruncWeek:
    return TruncWeek("created_at", output_field=DateField())


def _position_shares(qs: QuerySet, shares: Shares, group_key: int | None, pillar_id) -> None:
    rows = (
        qs.filter(counted_position_q())
        .annotate(week=_week(), reasoned=~Q(reason=""))
        .values_list(
            "recommendation_id",
            "version_id",
            "author__stakeholder_group_id",
            "stance",
            "week",
            "reasoned",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for recommendation, version, group, stance, week, reasoned, n in rows:
        group = group_key if group_key is not None else (group or 0)
        shares["stance", (recommendation, version, group, stance)]["count"] += n
        if reasoned:
            shares["stance", (recommendation, version, group, stance)]["reasons"] += n
        shares["recommendation", (recommendation,)]["positions"] += n
        if stance in ENDORSING:
            shares["recommendation", (recommendation,)]["endorsements"] += n
        shares["week", (recommendation, week)]["positions"] += n
    counted = qs.filter(counted_position_q())
    _participation_shares(counted, shares, group_key, pillar_id, "positions")


def _comment_shares(qs: QuerySet, shares: Shares, group_key: int | None, pillar_id) -> None:
    rows = (
        qs.filter(counted_comment_q())
        .annotate(
            week=_week(),
            thread=Coalesce("root_id", "pk"),
            started=Coalesce("root__created_at", "created_at"),
            top=Q(root=None),
        )
        .values_list(
            "recommendation_id",
            "week",
            "thread",
            "started",
            "top",
            *PARTICIPATION,
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for recommendation, week, thread, started, top, *participant, n in rows:
        shares["recommendation", (recommendation,)]["comments"] += n
        shares["week", (recommendation, week)]["comments"] += n
        shares["thread", (thread, recommendation, started)]["shown" if top else "replies"] += n
        _participant_share(shares, *participant, group_key, pillar_id, "comments", n)


# Who made a contribution, where: what participation counts (with the group).
PARTICIPATION = (
    "recommendation__consultation_id",
    "recommendation__pillar_id",
    "author__stakeholder_group_id",
    "author_id",
)


def _participation_shares(counted: QuerySet, shares: Shares, group_key, pillar_id, kind) -> None:
    rows = counted.values_list(*PARTICIPATION).annotate(n=Count("pk")).order_by()
    for *participant, n in rows:
        _participant_share(shares, *participant, group_key, pillar_id, kind, n)


def _participant_share(
    shares, consultation, pillar, group, person, group_key, pillar_id, kind, n
) -> None:
    """A person's `n` counted positions or comments in the consultation (pillar key 0) and in
    the pillar (or `pillar_id`), under their group (or `group_key`), and the group's."""
    group = group_key if group_key is not None else (group or 0)
    pillar = pillar_id or pillar
    for pillar_key in (0, pillar):
        shares["contributor", (consultation, pillar_key, group, person)]["contributions"] += n
        shares["group", (consultation, pillar_key, group)][kind] += n


def _amendment_shares(qs: QuerySet, shares: Shares) -> None:
    rows = (
        qs.filter(counted_amendment_q())
        .values_list("recommendation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for recommendation, n in rows:
        shares["recommendation", (recommendation,)]["amendments"] += n


def snapshot(
    *querysets: QuerySet, group_key: int | None = None, pillar_id: int | None = None
) -> Shares:
    """What the counted rows among `querysets` (of positions, comments or amendments) add to
    the summaries. `group_key` counts them as of that group instead of their authors' current
    one (a person's group before a change), `pillar_id` as of that pillar instead of their
    recommendation's (before a move)."""
    shares: Shares = defaultdict(Counter)
    for qs in querysets:
        qs = qs.all()  # a fresh query each time: before and after the write
        if qs.model is Position:
            _position_shares(qs, shares, group_key, pillar_id)
        elif qs.model is Comment:
            _comment_shares(qs, shares, group_key, pillar_id)
        elif qs.model is Amendment:
            _amendment_shares(qs, shares)
        else:
            raise TypeError(f"No summary counts {qs.model.__name__}.")
    return shares


def apply(before: Shares, after: Shares) -> None:
    """Add `after - before` to the summary tables (one upsert per table touched)."""
    by_table: dict[str, dict[tuple, Counter]] = defaultdict(dict)
    for key in before.keys() | after.keys():
        delta = Counter(after.get(key, {}))
        delta.subtract(before.get(key, {}))
        if any(delta.values()):
            by_table[key[0]][key[1]] = delta
    if "contributor" in by_table:
        # Upserted first, its new counts read back: who became or ceased to be a participant.
        totals = _upsert("contributor", by_table.pop("contributor"), returning=True)
        for key, change in _participants(totals).items():
            if change:
                by_table["group"].setdefault(key, Counter())["participants"] += change
    for table in sorted(by_table):
        _upsert(table, by_table[table])


def _participants(totals: dict[tuple, tuple[int, int]]) -> Counter:
    """{group row's key: change of its participants} from the contributors' (before, after)."""
    changes = Counter()
    for (consultation, pillar_key, group, _person), (before, after) in totals.items():
        changes[consultation, pillar_key, group] += (after > 0) - (before > 0)
    return changes


def _upsert(table: str, rows: dict[tuple, Counter], *, returning: bool = False):
    """Add `rows` ({key: Counter of the counted fields}) to the table. `returning`: for each
    key, its first counted field (before, after)."""
    model, keys, counted, unique = TABLES[table]
    meta = model._meta
    quote = connection.ops.quote_name
    name = quote(meta.db_table)
    key_columns = [quote(meta.get_field(k.removesuffix("_id")).column) for k in keys]
    counted_columns = [quote(meta.get_field(c).column) for c in counted]
    one_row = "(" + ", ".join(["%s"] * (len(keys) + len(counted))) + ")"
    params = []
    for key in sorted(rows):  # a fixed order: concurrent writers lock rows alike
        params += [_adapt(value) for value in key]
        params += [rows[key][c] for c in counted]
    sql = (
        f"INSERT INTO {name} ({', '.join(key_columns + counted_columns)}) "
        f"VALUES {', '.join([one_row] * len(rows))} "
        f"ON CONFLICT ({', '.join(key_columns[:unique])}) DO UPDATE SET "
        + ", ".join(f"{c} = {name}.{c} + excluded.{c}" for c in counted_columns)
    )
    if returning:
        sql += f" RETURNING {', '.join(key_columns + counted_columns[:1])}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if not returning:
            return None
        field = counted[0]
        return {
            tuple(row[:-1]): (row[-1] - rows[tuple(row[:-1])][field], row[-1])
            for row in cursor.fetchall()
        }


def _adapt(value):
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def added(*querysets: QuerySet) -> None:
    """New rows (just created): their share is added."""
    apply({}, snapshot(*querysets))


@contextmanager
def tracking(*querysets: QuerySet, group_key: int | None = None) -> Iterator[None]:
    """Around a write to the rows of `querysets`: the summaries follow what it changed."""
    before = snapshot(*querysets, group_key=group_key)
    yield
    apply(before, snapshot(*querysets))


def contributions_of(user: User) -> list[QuerySet]:
    """Everything of a person the summaries count."""
    return [
        Position.objects.filter(author=user),
        Comment.objects.filter(author=user),
        Amendment.objects.filter(author=user),
    ]


def stakeholder_group_moved(*, user: User, before_group_id: int | None) -> None:
    """A person's stakeholder group changed (accounts.hooks): their counted positions and
    comments move from the group they were counted in to the new one (a few rows: theirs)."""
    theirs = Position.objects.filter(author=user), Comment.objects.filter(author=user)
    apply(snapshot(*theirs, group_key=before_group_id or 0), snapshot(*theirs))


def recommendation_moved(*, recommendation, before_pillar_id: int) -> None:
    """A recommendation moved to another pillar (recommendations.hooks): its counted positions
    and comments leave the participation of the pillar they were counted in for the new one."""
    theirs = (
        Position.objects.filter(recommendation=recommendation),
        Comment.objects.filter(recommendation=recommendation),
    )
    apply(snapshot(*theirs, pillar_id=before_pillar_id), snapshot(*theirs))


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the contributions; returns the rows written per table.
    On PostgreSQL the summary tables are locked meanwhile: writes wait for the rebuild."""
    tables = [connection.ops.quote_name(t.model._meta.db_table) for t in TABLES.values()]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        # In SQL: the ORM's delete() reads every row first when any receiver listens for
        # deletions (2 million contributors' rows at L).
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the models' own tables
    return summaries_rebuild_in_sql(TABLES)

"""The summaries (consultation.models: StanceCount, RecommendationCount, WeekCount), kept in
the transaction of every write that changes what counts (consultation.counting).

A write runs inside `tracking(queryset, ...)`: the summaries' share of the rows it touches is
read before and after (one grouped query per queryset each time), and the difference is added
with one `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n` per summary table, which
PostgreSQL and SQLite both run atomically per row: concurrent writers never lose an increment,
and rows are bumped in key order so that two writers cannot deadlock. The rebuild computes the
same shares over every row (`summaries_rebuild`), so rebuild and increments agree by
construction; tests/test_summaries.py checks it after random writes through the services.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, DateField, Q, QuerySet
from django.db.models.functions import TruncWeek

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
    Position,
    RecommendationCount,
    StanceCount,
    WeekCount,
)

# table -> (model, key fields, counted fields)
TABLES = {
    "stance": (
        StanceCount,
        ("recommendation_id", "version_id", "group_key", "stance"),
        ("count", "reasons"),
    ),
    "recommendation": (
        RecommendationCount,
        ("recommendation_id",),
        ("positions", "endorsements", "comments", "amendments"),
    ),
    "week": (WeekCount, ("recommendation_id", "week"), ("positions", "comments")),
}

Shares = dict[tuple[str, tuple], Counter]


def _week() -> TruncWeek:
    return TruncWeek("created_at", output_field=DateField())


def _position_shares(qs: QuerySet, shares: Shares, group_key: int | None) -> None:
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


def _comment_shares(qs: QuerySet, shares: Shares) -> None:
    rows = (
        qs.filter(counted_comment_q())
        .annotate(week=_week())
        .values_list("recommendation_id", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for recommendation, week, n in rows:
        shares["recommendation", (recommendation,)]["comments"] += n
        shares["week", (recommendation, week)]["comments"] += n


def _amendment_shares(qs: QuerySet, shares: Shares) -> None:
    rows = (
        qs.filter(counted_amendment_q())
        .values_list("recommendation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for recommendation, n in rows:
        shares["recommendation", (recommendation,)]["amendments"] += n


def snapshot(*querysets: QuerySet, group_key: int | None = None) -> Shares:
    """What the counted rows among `querysets` (of positions, comments or amendments) add to
    the summaries. `group_key` counts the positions as of that group instead of their
    authors' current one (a person's group before a change)."""
    shares: Shares = defaultdict(Counter)
    for qs in querysets:
        qs = qs.all()  # a fresh query each time: before and after the write
        if qs.model is Position:
            _position_shares(qs, shares, group_key)
        elif qs.model is Comment:
            _comment_shares(qs, shares)
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
    for table in sorted(by_table):
        _upsert(table, by_table[table])


def _upsert(table: str, rows: dict[tuple, Counter]) -> None:
    model, keys, counted = TABLES[table]
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
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
        + ", ".join(f"{c} = {name}.{c} + excluded.{c}" for c in counted_columns)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _adapt(value):
    if hasattr(value, "isoformat"):
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
    """A person's stakeholder group changed (accounts.hooks): their counted positions move
    from the group they were counted in to the new one (a few rows: theirs)."""
    positions = Position.objects.filter(author=user)
    apply(snapshot(positions, group_key=before_group_id or 0), snapshot(positions))


@transaction.atomic
def summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the contributions; returns the rows written per table.
    On PostgreSQL the summary tables are locked meanwhile: writes wait for the rebuild."""
    models = [model for model, _keys, _counted in TABLES.values()]
    if connection.vendor == "postgresql":
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
    for model in models:
        model.objects.all().delete()
    shares = snapshot(Position.objects.all(), Comment.objects.all(), Amendment.objects.all())
    written = {}
    for table, (model, keys, counted) in TABLES.items():
        rows = [
            model(**dict(zip(keys, key, strict=True)), **{c: counts[c] for c in counted})
            for (name, key), counts in shares.items()
            if name == table
        ]
        model.objects.bulk_create(rows, batch_size=2_000)
        written[table] = len(rows)
    return written

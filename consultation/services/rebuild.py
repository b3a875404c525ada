"""The summaries recomputed from every contribution inside the database: one
`INSERT ... SELECT` per summary table over the grouped rows of what counts
(consultation.counting), as the incremental path (summaries.snapshot) groups a write's rows.

Nothing is read into Python: at 5,000,000 positions the shares held as dicts took 155 s and
2 GB; grouped in SQL, 80 s and 91 MB. The grouped queries are the ORM's, compiled
(`sql_with_params`), so the rule of what counts and the week's time zone are the same as the
incremental path's; tests/test_summaries.py checks that a rebuild equals the increments.
"""

from django.db import connection
from django.db.models import Count, DateField, F, Model, Q, QuerySet, Value
from django.db.models.functions import Coalesce, TruncWeek

from ..counting import ENDORSING, counted_amendments, counted_comments, counted_positions
from ..models import ContributorCount

Select = tuple[str, list]  # SQL and its parameters

GROUP = Coalesce(F("author__stakeholder_group_id"), Value(0))
# Who made a contribution, where (summaries.PARTICIPATION), each under a name of its own.
PARTICIPANT = {
    "k_consultation": F("recommendation__consultation_id"),
    "k_pillar": F("recommendation__pillar_id"),
    "k_group": GROUP,
    "k_person": F("author_id"),
}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _grouped(qs: QuerySet, keys: dict, counts: dict, columns: list[str]) -> Select:
    """`qs` grouped by `keys` with the aggregates `counts`; selects `columns`: the names of
    keys and counts, or literal SQL (a 0 for a count this part does not have)."""
    inner = qs.annotate(**keys).values(*keys).annotate(**counts).order_by()
    sql, params = inner.query.sql_with_params()
    names = set(keys) | set(counts)
    selected = ", ".join(_q(c) if c in names else c for c in columns)
    return f"SELECT {selected} FROM ({sql}) grouped", list(params)


def _summed(parts: list[Select], keys: list[str], counts: list[str]) -> Select:
    """The parts (each selecting `keys` then `counts`) added up per key."""
    union = " UNION ALL ".join(sql for sql, _ in parts)
    key_list = ", ".join(_q(k) for k in keys)
    sums = ", ".join(f"SUM({_q(c)})" for c in counts)
    params = [p for _, part_params in parts for p in part_params]
    return f"SELECT {key_list}, {sums} FROM ({union}) parts GROUP BY {key_list}", params


def _insert(model: type[Model], fields: list[str], select: Select) -> int:
    table = _q(model._meta.db_table)
    columns = ", ".join(_q(model._meta.get_field(f).column) for f in fields)
    sql, params = select
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
        return cursor.rowcount


def _stances() -> Select:
    keys = {
        "k_recommendation": F("recommendation_id"),
        "k_version": F("version_id"),
        "k_group": GROUP,
        "k_stance": F("stance"),
    }
    counts = {"n": Count("pk"), "n_reasons": Count("pk", filter=~Q(reason=""))}
    return _grouped(counted_positions(), keys, counts, [*keys, *counts])


def _recommendations() -> Select:
    keys = {"k_recommendation": F("recommendation_id")}
    n = {"n": Count("pk")}
    positions = _grouped(
        counted_positions(),
        keys,
        {**n, "n_endorsing": Count("pk", filter=Q(stance__in=ENDORSING))},
        ["k_recommendation", "n AS positions", "n_endorsing AS endorsements"]
        + ["0 AS comments", "0 AS amendments"],
    )
    comments = _grouped(counted_comments(), keys, n, ["k_recommendation", "0", "0", "n", "0"])
    amendments = _grouped(counted_amendments(), keys, n, ["k_recommendation", "0", "0", "0", "n"])
    counts = ["positions", "endorsements", "comments", "amendments"]
    return _summed([positions, comments, amendments], ["k_recommendation"], counts)


def _weeks() -> Select:
    keys = {
        "k_recommendation": F("recommendation_id"),
        "k_week": TruncWeek("created_at", output_field=DateField()),
    }
    n = {"n": Count("pk")}
    positions = _grouped(
        counted_positions(),
        keys,
        n,
        ["k_recommendation", "k_week", "n AS positions", "0 AS comments"],
    )
    comments = _grouped(counted_comments(), keys, n, ["k_recommendation", "k_week", "0", "n"])
    return _summed([positions, comments], ["k_recommendation", "k_week"], ["positions", "comments"])


def _threads() -> Select:
    keys = {
        "k_thread": Coalesce(F("root_id"), F("pk")),
        "k_recommendation": F("recommendation_id"),
        "k_started": Coalesce(F("root__created_at"), F("created_at")),
    }
    counts = {
        "n_shown": Count("pk", filter=Q(root=None)),
        "n_replies": Count("pk", filter=Q(root__isnull=False)),
    }
    return _grouped(counted_comments(), keys, counts, [*keys, *counts])


def _participations() -> tuple[Select, Select]:
    """Each person's counted positions, and comments, per consultation, pillar and group."""
    columns = [*PARTICIPANT, "n"]
    positions, comments = (
        _grouped(qs, PARTICIPANT, {"n": Count("pk")}, columns)
        for qs in (counted_positions(), counted_comments())
    )
    return positions, comments


def _pillar_keys(parts: list[Select], keys: list[str]) -> Select:
    """The parts (each selecting k_consultation, k_pillar, `keys`, n) added up in the
    consultation (pillar key 0) and in each of its pillars: selects k_consultation,
    k_pillar_key, `keys`, n."""
    union = " UNION ALL ".join(sql for sql, _ in parts)
    params = [p for _, part_params in parts for p in part_params]
    c, p, n = _q("k_consultation"), _q("k_pillar"), _q("n")
    k = ", ".join(_q(key) for key in keys)
    return (
        f"SELECT {c}, 0 AS {_q('k_pillar_key')}, {k}, SUM({n}) AS {n} FROM ({union}) whole "
        f"GROUP BY {c}, {k} UNION ALL "
        f"SELECT {c}, {p}, {k}, SUM({n}) FROM ({union}) per_pillar GROUP BY {c}, {p}, {k}",
        params + params,
    )


def _contributors() -> Select:
    return _pillar_keys(list(_participations()), ["k_group", "k_person"])


def _groups() -> Select:
    """Participants (from the contributors written before), positions and comments per
    consultation, pillar key and group."""
    table = _q(ContributorCount._meta.db_table)
    c, p, g = _q("consultation_id"), _q("pillar_key"), _q("group_key")
    participants = (
        f"SELECT {c} AS {_q('k_consultation')}, {p} AS {_q('k_pillar_key')}, "
        f"{g} AS {_q('k_group')}, COUNT(*) AS {_q('participants')}, "
        f"0 AS {_q('positions')}, 0 AS {_q('comments')} "
        f"FROM {table} WHERE {_q('contributions')} > 0 GROUP BY {c}, {p}, {g}",
        [],
    )
    where = {k: v for k, v in PARTICIPANT.items() if k != "k_person"}  # not by person
    positions, comments = (
        _pillar_keys([_grouped(qs, where, {"n": Count("pk")}, [*where, "n"])], ["k_group"])
        for qs in (counted_positions(), counted_comments())
    )
    keys = "k_consultation, k_pillar_key, k_group"
    return _summed(
        [
            participants,
            (f"SELECT {keys}, 0, n, 0 FROM ({positions[0]}) positions", positions[1]),
            (f"SELECT {keys}, 0, 0, n FROM ({comments[0]}) comments", comments[1]),
        ],
        ["k_consultation", "k_pillar_key", "k_group"],
        ["participants", "positions", "comments"],
    )


# Each summary table's rows, selected in its key's then its counts' order (summaries.TABLES);
# the groups' after the contributors', from which their participants are counted.
SELECTS = {
    "stance": _stances,
    "recommendation": _recommendations,
    "week": _weeks,
    "thread": _threads,
    "contributor": _contributors,
    "group": _groups,
}


def summaries_rebuild_in_sql(tables: dict) -> dict[str, int]:
    """Fill the emptied summary tables (summaries.TABLES: their models, keys and counts, in
    this order); returns the rows written per table."""
    return {
        name: _insert(
            table.model,
            [field.removesuffix("_id") for field in (*table.keys, *table.counted)],
            SELECTS[name](),
        )
        for name, table in tables.items()
    }

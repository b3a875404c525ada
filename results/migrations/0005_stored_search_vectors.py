"""Stored full-text vectors, one per language configuration, on PostgreSQL only.

0001 indexed an expression that every search recomputed: `ts_rank` re-parsed the text of every
match. Here each searched table gets one `tsvector` column per configuration (`search_english`,
`search_dutch`, `search_french`, `search_german`: the interface's languages), each with its GIN
index, kept up to date by a trigger on insert and on an update of the searched fields; the
expression indexes of 0001 go. A trigger rather than a generated column: PostgreSQL refuses to
change the type of a column a generated column uses, so a later `max_length` change of a title
would fail; a trigger does not care. The columns are not model fields (SQLite has no
`tsvector`; its fallback searches the text): results/search.py names them in its SQL. The
weights are those of 0001: a recommendation's title A, body B, rationale C; an amendment's
title, text and justification C; a comment D.

Filling the columns reads every row once (a few seconds per million comments).
"""

import importlib

from django.db import migrations

CONFIGS = ("english", "dutch", "french", "german")

TABLES = {
    # table: (the name its indexes and trigger take, the weighted fields)
    "recommendations_recommendation": (
        "results_recommendation",
        (("title", "A"), ("body", "B"), ("rationale", "C")),
    ),
    "consultation_amendment": (
        "results_amendment",
        (("title", "C"), ("body", "C"), ("justification", "C")),
    ),
    "consultation_comment": ("results_comment", (("body", "D"),)),
}

initial = importlib.import_module("results.migrations.0001_search_indexes")


def _vector(config: str, fields, row: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, coalesce({row}{name}, '')), '{weight}')"
        for name, weight in fields
    )


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    initial.drop(apps, schema_editor)
    for table, (name, fields) in TABLES.items():
        columns = ", ".join(f"ADD COLUMN search_{config} tsvector" for config in CONFIGS)
        schema_editor.execute(f"ALTER TABLE {table} {columns}")
        assign = ";\n".join(
            f"NEW.search_{config} := {_vector(config, fields, 'NEW.')}" for config in CONFIGS
        )
        schema_editor.execute(
            f"CREATE FUNCTION {name}_search() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{assign};\nRETURN NEW;\nEND\n$$"
        )
        watched = ", ".join(field for field, _ in fields)
        schema_editor.execute(
            f"CREATE TRIGGER {name}_search BEFORE INSERT OR UPDATE OF {watched} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}_search()"
        )
        filled = ", ".join(f"search_{config} = {_vector(config, fields, '')}" for config in CONFIGS)
        schema_editor.execute(f"UPDATE {table} SET {filled}")
        for config in CONFIGS:
            schema_editor.execute(
                f"CREATE INDEX {name}_search_{config} ON {table} USING gin (search_{config})"
            )


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (name, _) in TABLES.items():
        schema_editor.execute(f"DROP TRIGGER {name}_search ON {table}")
        schema_editor.execute(f"DROP FUNCTION {name}_search()")
        columns = ", ".join(f"DROP COLUMN search_{config}" for config in CONFIGS)
        schema_editor.execute(f"ALTER TABLE {table} {columns}")
    initial.create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("results", "0004_report_export"),
        ("recommendations", "0002_provenance_and_source_kinds"),
        ("consultation", "0007_queue_indexes"),
    ]

    operations = [migrations.RunPython(forward, backward)]

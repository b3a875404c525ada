"""GIN expression indexes for full-text search, on PostgreSQL only (SQLite searches without).

Each index holds exactly the weighted vector that results/search.py computes at query time, so
the planner answers `vector @@ query` from the index (tests/test_search.py checks it does).
The expressions are written out here, not imported, so that this migration stays as it is.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"


def _vector(*fields):
    combined = None
    for name, weight in fields:
        part = SearchVector(name, weight=weight, config=CONFIG)
        combined = part if combined is None else combined + part
    return combined


INDEXES = [
    (
        "recommendations",
        "Recommendation",
        "results_recommendation_fts",
        (("title", "A"), ("body", "B"), ("rationale", "C")),
    ),
    (
        "consultation",
        "Amendment",
        "results_amendment_fts",
        (("title", "C"), ("body", "C"), ("justification", "C")),
    ),
    ("consultation", "Comment", "results_comment_fts", (("body", "D"),)),
]


def _indexes(apps):
    for app_label, model_name, name, fields in INDEXES:
        yield apps.get_model(app_label, model_name), GinIndex(_vector(*fields), name=name)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("consultation", "0003_moderation_state"),
    ]

    operations = [migrations.RunPython(create, drop)]

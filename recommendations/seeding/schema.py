"""The seed files' schema (the README's "Seed files" documents it): the fields of each kind of
record, their types, and their lengths, read from the models so that the two cannot differ."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Advocate, Challenge, Consultation, Pillar, Recommendation, TextSource

SECTIONS = ("consultation", "advocates", "pillars", "challenges", "recommendations")
# A text the models store in a TextField: long enough for any passage, short of a 20 MB page.
TEXT_MAX = 20_000
LABEL_NAMES = ("pillar_summary", "rationale")


@dataclass(frozen=True)
class Field:
    type: str  # text, code, int, datetime, choice, codes, advocates, source_kinds, labels
    required: bool = False
    max_length: int = TEXT_MAX
    choices: tuple[str, ...] = ()


def _text(model, name: str, *, required: bool = False, type: str = "text") -> Field:
    return Field(type, required, model._meta.get_field(name).max_length or TEXT_MAX)


TITLE_SOURCE = Field("choice", choices=tuple(TextSource.values))
POSITION = Field("int")

FIELDS: dict[str, dict[str, Field]] = {
    "consultation": {
        "slug": _text(Consultation, "slug", required=True, type="code"),
        "title": _text(Consultation, "title", required=True),
        "organiser": _text(Consultation, "organiser"),
        "summary": _text(Consultation, "summary"),
        "notes": _text(Consultation, "notes"),
        "source_document": _text(Consultation, "source_document"),
        "source_kinds": Field("source_kinds"),
        "labels": Field("labels"),
        "state": Field("choice", choices=tuple(Consultation.State.values)),
        "opens_at": Field("datetime"),
        "closes_at": Field("datetime"),
    },
    "advocates": {
        "slug": _text(Advocate, "slug", required=True, type="code"),
        "name": _text(Advocate, "name", required=True),
    },
    "pillars": {
        "code": _text(Pillar, "code", required=True, type="code"),
        "title": _text(Pillar, "title", required=True),
        "title_source": TITLE_SOURCE,
        "position": POSITION,
        "heading": _text(Pillar, "heading"),
        "summary": _text(Pillar, "summary"),
    },
    "challenges": {
        "code": _text(Challenge, "code", required=True, type="code"),
        "pillar": Field("code", required=True),
        "title": _text(Challenge, "title", required=True),
        "title_source": TITLE_SOURCE,
        "position": POSITION,
        "body": _text(Challenge, "body"),
        "advocates": Field("advocates"),
        "source_section": _text(Challenge, "source_section"),
        "source_passage": _text(Challenge, "source_passage"),
    },
    "recommendations": {
        "reference": _text(Recommendation, "reference", required=True, type="code"),
        "pillar": Field("code", required=True),
        "title": _text(Recommendation, "title", required=True),
        "title_source": TITLE_SOURCE,
        "position": POSITION,
        "body": _text(Recommendation, "body"),
        "rationale": _text(Recommendation, "rationale"),
        "source": _text(Recommendation, "source", type="code"),
        "status": Field("choice", choices=tuple(Recommendation.Status.values)),
        "advocates": Field("advocates"),
        "challenges": Field("codes"),
        "source_section": _text(Recommendation, "source_section"),
        "source_passage": _text(Recommendation, "source_passage"),
    },
}
CSV_REQUIRED = {"consultation", "reference", "pillar", "title"}
CSV_COLUMNS = {"consultation", *FIELDS["recommendations"]}

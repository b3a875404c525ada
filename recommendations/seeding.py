"""Import consultations and their recommendations from YAML, JSON or CSV seed files.

One schema for the three formats (documented in the README). Validation collects every
problem with its file, record and field before anything is written; the import itself runs
in one transaction, so a bad file changes nothing. Records match by their stable codes
(consultation slug, pillar code, challenge code, recommendation reference): re-importing a
file is idempotent, and a changed wording becomes a new RecommendationVersion.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.db.models import Max
from django.utils.dateparse import parse_datetime

from .models import (
    Advocate,
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
    RecommendationVersion,
)

CANONICAL_SEED = Path(__file__).resolve().parent / "seeds" / "from-plant-to-patient.yaml"
SECTIONS = ("consultation", "advocates", "pillars", "challenges", "recommendations")

# (required, optional) fields of each kind of record.
FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "consultation": (
        {"slug", "title"},
        {"organiser", "summary", "source_document", "state", "opens_at", "closes_at"},
    ),
    "advocates": ({"slug", "name"}, set()),
    "pillars": ({"code", "title"}, {"position", "heading", "summary"}),
    "challenges": (
        {"code", "pillar", "title"},
        {"position", "body", "advocates", "source_section", "source_passage"},
    ),
    "recommendations": (
        {"reference", "pillar", "title"},
        {
            "position",
            "body",
            "rationale",
            "source",
            "advocates",
            "status",
            "challenges",
            "source_section",
            "source_passage",
        },
    ),
}
CSV_COLUMNS = {"consultation"} | FIELDS["recommendations"][0] | FIELDS["recommendations"][1]
CSV_LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class SeedProblem:
    file: str
    record: str
    field: str | None
    message: str

    def __str__(self):
        where = f"{self.file}: {self.record}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class SeedError(Exception):
    def __init__(self, problems: list[SeedProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Record:
    kind: str
    data: dict
    file: str
    label: str  # e.g. "recommendations[3] (line 120)" or "line 7"
    consultation: str | None = None  # slug, for records of a file without a consultation block


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    new_versions: int = 0

    def count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1

    def __str__(self):
        parts = [f"{n} {k} created" for k, n in self.created.items()]
        parts += [f"{n} {k} updated" for k, n in self.updated.items()]
        parts.append(f"{self.new_versions} new wording versions")
        return ", ".join(parts)


# -- Parsing -------------------------------------------------------------------------------


class _LineDict(dict):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping, for error messages."""


def _construct_line_dict(loader, node):
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    yield mapping
    mapping.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_dict)


def _label(section: str, index: int | None, item) -> str:
    label = section if index is None else f"{section}[{index}]"
    if isinstance(item, _LineDict):
        label += f" (line {item.line})"
    return label


def _parse_document(name: str, doc) -> tuple[list[Record], list[SeedProblem]]:
    problems: list[SeedProblem] = []
    records: list[Record] = []
    if not isinstance(doc, dict):
        return [], [SeedProblem(name, "document", None, "expected a mapping of sections")]
    for key in doc:
        if key not in SECTIONS:
            problems.append(
                SeedProblem(name, "document", str(key), f"unknown section; expected {SECTIONS}")
            )
    consultation = doc.get("consultation")
    slug = None
    if isinstance(consultation, str):
        slug = consultation  # refers to an existing consultation
    elif isinstance(consultation, dict):
        records.append(
            Record("consultation", consultation, name, _label("consultation", None, consultation))
        )
        slug = consultation.get("slug")
    elif consultation is None:
        problems.append(SeedProblem(name, "document", "consultation", "missing section"))
    else:
        problems.append(
            SeedProblem(name, "consultation", None, "expected a mapping or an existing slug")
        )
    for section in SECTIONS[1:]:
        items = doc.get(section, [])
        if not isinstance(items, list):
            problems.append(SeedProblem(name, section, None, "expected a list"))
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                problems.append(
                    SeedProblem(name, _label(section, index, item), None, "expected a mapping")
                )
                continue
            records.append(Record(section, item, name, _label(section, index, item), slug))
    return records, problems


def _parse_csv(name: str, text: str) -> tuple[list[Record], list[SeedProblem]]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        return [], [SeedProblem(name, "line 1 (header)", None, f"malformed CSV: {exc}")]
    problems = [
        SeedProblem(name, "line 1 (header)", column, "unknown column")
        for column in header
        if column not in CSV_COLUMNS
    ]
    problems += [
        SeedProblem(name, "line 1 (header)", column, "missing column")
        for column in sorted({"consultation"} | FIELDS["recommendations"][0])
        if column not in header
    ]
    if problems:
        return [], problems
    records = []
    rows = iter(reader)
    while True:
        starts_at = reader.line_num + 1  # a quoted value may span lines: name the first
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            where = f"line {starts_at}"
            return [], [*problems, SeedProblem(name, where, None, f"malformed CSV: {exc}")]
        label = f"line {starts_at}"
        if None in row:
            problems.append(SeedProblem(name, label, None, "more values than columns"))
            continue
        data = {k: v for k, v in row.items() if k != "consultation" and v not in ("", None)}
        for key in ("advocates", "challenges"):
            if key in data:
                data[key] = [s.strip() for s in data[key].split(CSV_LIST_SEPARATOR) if s.strip()]
        data.setdefault("title", "")
        records.append(Record("recommendations", data, name, label, row["consultation"]))
    return records, problems


def parse_seed(name: str, content: bytes) -> tuple[list[Record], list[SeedProblem]]:
    """Parse one file's content by its extension (.yaml/.yml, .json or .csv)."""
    suffix = Path(name).suffix.lower()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [SeedProblem(name, "file", None, f"not UTF-8 text ({exc.reason})")]
    if suffix in (".yaml", ".yml"):
        try:
            doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
            problem = getattr(exc, "problem", None) or str(exc)
            return [], [SeedProblem(name, where, None, f"malformed YAML: {problem}")]
        return _parse_document(name, doc)
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            return [], [SeedProblem(name, where, None, f"malformed JSON: {exc.msg}")]
        return _parse_document(name, doc)
    if suffix == ".csv":
        return _parse_csv(name, text)
    return [], [SeedProblem(name, "file", None, "unknown format: use .yaml, .yml, .json or .csv")]


# -- Validation ----------------------------------------------------------------------------


def _as_text(value) -> str | None:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _as_datetime(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
    if isinstance(value, str):
        return parse_datetime(value.strip())
    return None


class _Validator:
    """Checks records field by field and against each other and the database."""

    def __init__(self, records: list[Record]):
        self.records = records
        self.problems: list[SeedProblem] = []
        self.consultations = {
            r.data.get("slug") for r in records if r.kind == "consultation"
        } | set(Consultation.objects.values_list("slug", flat=True))
        self.advocates = {r.data.get("slug") for r in records if r.kind == "advocates"} | set(
            Advocate.objects.values_list("slug", flat=True)
        )
        self.pillars = {
            (r.consultation, r.data.get("code")) for r in records if r.kind == "pillars"
        }
        self.pillars |= set(Pillar.objects.values_list("consultation__slug", "code"))
        self.challenges = {
            (r.consultation, r.data.get("code")) for r in records if r.kind == "challenges"
        }
        self.challenges |= set(Challenge.objects.values_list("consultation__slug", "code"))

    def error(self, record: Record, field_name: str | None, message: str) -> None:
        self.problems.append(SeedProblem(record.file, record.label, field_name, message))

    def run(self) -> list[SeedProblem]:
        seen: dict[tuple, Record] = {}
        for record in self.records:
            self.check_fields(record)
            key_field = {"consultation": "slug", "advocates": "slug", "pillars": "code"}.get(
                record.kind, "reference" if record.kind == "recommendations" else "code"
            )
            key = (record.kind, record.consultation, record.data.get(key_field))
            if key[2] is not None and key in seen:
                first = seen[key]
                self.error(
                    record,
                    key_field,
                    f"duplicate {key_field} {key[2]!r} (also at {first.file}: {first.label})",
                )
            seen.setdefault(key, record)
        return self.problems

    def check_fields(self, record: Record) -> None:
        data = record.data
        required, optional = FIELDS[record.kind]
        for name in data:
            if name not in required | optional:
                self.error(record, name, "unknown field")
        for name in sorted(required):
            if name not in data:
                self.error(record, name, "missing field")
            elif not _as_text(data[name]):
                self.error(record, name, "must not be empty")
        for name in sorted(optional & set(data)):
            value = data[name]
            if name in ("advocates", "challenges"):
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    self.error(record, name, "expected a list of codes")
            elif name == "position":
                if not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
                    self.error(record, name, "expected a whole number")
            elif name in ("opens_at", "closes_at"):
                if _as_datetime(value) is None:
                    self.error(record, name, "expected a date and time (ISO 8601)")
            elif _as_text(value) is None:
                self.error(record, name, "expected text")
        needs_consultation = record.kind not in ("consultation", "advocates")
        if needs_consultation and record.consultation not in self.consultations:
            self.error(record, "consultation", f"unknown consultation {record.consultation!r}")
        if record.kind in ("challenges", "recommendations"):
            self.check_references(record)
        choices = {
            ("consultation", "state"): Consultation.State.values,
            ("recommendations", "source"): Recommendation.Source.values,
            ("recommendations", "status"): Recommendation.Status.values,
        }
        for (kind, name), allowed in choices.items():
            if record.kind == kind and name in data and data[name] not in allowed:
                self.error(record, name, f"{data[name]!r} is not one of {', '.join(allowed)}")
        if record.kind == "consultation":
            opens, closes = _as_datetime(data.get("opens_at")), _as_datetime(data.get("closes_at"))
            if opens and closes and closes <= opens:
                self.error(record, "closes_at", "must be after opens_at")

    def check_references(self, record: Record) -> None:
        data = record.data
        pillar = data.get("pillar")
        if pillar and (record.consultation, pillar) not in self.pillars:
            self.error(record, "pillar", f"unknown pillar {pillar!r}")
        for slug in data.get("advocates") or []:
            if isinstance(slug, str) and slug not in self.advocates:
                self.error(record, "advocates", f"unknown advocate {slug!r}")
        for code in data.get("challenges") or []:
            if isinstance(code, str) and (record.consultation, code) not in self.challenges:
                self.error(record, "challenges", f"unknown challenge {code!r}")


# -- Import --------------------------------------------------------------------------------


def _text(data: dict, name: str) -> str:
    return _as_text(data.get(name)) or ""


def _set_attributions(through, owner_field: str, owner, slugs: list[str], advocates: dict) -> None:
    through.objects.filter(**{owner_field: owner}).delete()
    through.objects.bulk_create(
        through(**{owner_field: owner}, advocate=advocates[slug], position=i)
        for i, slug in enumerate(slugs)
    )


@transaction.atomic
def seed_import(*, sources: Iterable[tuple[str, bytes]], acting_user=None) -> SeedReport:
    """Validate then import seed files given as (name, content) pairs; all or nothing.

    Raises SeedError, having written nothing, when any file has a problem.
    """
    records: list[Record] = []
    problems: list[SeedProblem] = []
    for name, content in sources:
        parsed, found = parse_seed(name, content)
        records += parsed
        problems += found
    if not problems:
        problems = _Validator(records).run()
    if problems:
        raise SeedError(problems)

    report = SeedReport()
    positions: dict[str, int] = {}

    def position_of(record: Record) -> int:
        positions[record.kind] = positions.get(record.kind, 0) + 1
        return int(record.data.get("position", positions[record.kind]))

    def save(model, lookup: dict, defaults: dict, kind: str):
        obj, created = model.objects.update_or_create(**lookup, defaults=defaults)
        report.count(report.created if created else report.updated, kind)
        return obj

    for r in (r for r in records if r.kind == "consultation"):
        d = r.data
        save(
            Consultation,
            {"slug": d["slug"]},
            {
                "title": _text(d, "title"),
                "organiser": _text(d, "organiser"),
                "summary": _text(d, "summary"),
                "source_document": _text(d, "source_document"),
                "state": d.get("state", Consultation.State.DRAFT),
                "opens_at": _as_datetime(d.get("opens_at")),
                "closes_at": _as_datetime(d.get("closes_at")),
            },
            "consultations",
        )
    for r in (r for r in records if r.kind == "advocates"):
        save(Advocate, {"slug": r.data["slug"]}, {"name": _text(r.data, "name")}, "advocates")

    consultations = {c.slug: c for c in Consultation.objects.all()}
    advocates = {a.slug: a for a in Advocate.objects.all()}
    for r in (r for r in records if r.kind == "pillars"):
        d = r.data
        save(
            Pillar,
            {"consultation": consultations[r.consultation], "code": _text(d, "code")},
            {
                "title": _text(d, "title"),
                "heading": _text(d, "heading"),
                "summary": _text(d, "summary"),
                "position": position_of(r),
            },
            "pillars",
        )
    pillars = {
        (p.consultation.slug, p.code): p for p in Pillar.objects.select_related("consultation")
    }
    for r in (r for r in records if r.kind == "challenges"):
        d = r.data
        challenge = save(
            Challenge,
            {"consultation": consultations[r.consultation], "code": _text(d, "code")},
            {
                "pillar": pillars[(r.consultation, d["pillar"])],
                "title": _text(d, "title"),
                "body": _text(d, "body"),
                "source_section": _text(d, "source_section"),
                "source_passage": _text(d, "source_passage"),
                "position": position_of(r),
            },
            "challenges",
        )
        _set_attributions(
            ChallengeAdvocate, "challenge", challenge, d.get("advocates", []), advocates
        )

    challenges = {
        (c.consultation.slug, c.code): c for c in Challenge.objects.select_related("consultation")
    }
    for r in (r for r in records if r.kind == "recommendations"):
        _import_recommendation(
            r, consultations, pillars, challenges, advocates, position_of(r), report, acting_user
        )
    return report


def _import_recommendation(
    r, consultations, pillars, challenges, advocates, position, report, acting_user
):
    d = r.data
    consultation = consultations[r.consultation]
    fields = {
        "pillar": pillars[(r.consultation, d["pillar"])],
        "title": _text(d, "title"),
        "body": _text(d, "body"),
        "rationale": _text(d, "rationale"),
        "source": d.get("source", Recommendation.Source.PANEL),
        "status": d.get("status", Recommendation.Status.OPEN),
        "source_section": _text(d, "source_section"),
        "source_passage": _text(d, "source_passage"),
        "position": position,
    }
    reference = _text(d, "reference")
    recommendation = Recommendation.objects.filter(
        consultation=consultation, reference=reference
    ).first()
    if recommendation is None:
        recommendation = Recommendation.objects.create(
            consultation=consultation, reference=reference, **fields
        )
        report.count(report.created, "recommendations")
        reworded = True
    else:
        reworded = (recommendation.title, recommendation.body) != (fields["title"], fields["body"])
        changed = any(getattr(recommendation, k) != v for k, v in fields.items())
        for name, value in fields.items():
            setattr(recommendation, name, value)
        if changed:
            recommendation.save()
            report.count(report.updated, "recommendations")
    if reworded:
        number = (recommendation.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        RecommendationVersion.objects.create(
            recommendation=recommendation,
            number=number,
            title=recommendation.title,
            body=recommendation.body,
            author=acting_user,
            reason=f"Imported from {Path(r.file).name}"
            if number == 1
            else f"Re-imported from {Path(r.file).name}",
        )
        report.new_versions += 1
    _set_attributions(
        RecommendationAdvocate, "recommendation", recommendation, d.get("advocates", []), advocates
    )
    recommendation.challenges.set(
        [challenges[(r.consultation, c)] for c in d.get("challenges", [])]
    )

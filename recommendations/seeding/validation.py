"""One validation pass over every record, before anything is written: each field's type and
length against the model, markup, references between records and to the database, and
duplicates. Each problem is reported once, as `file:line: record KEY, field NAME: message`,
so the messages are the same whatever the database (nothing reaches it unless all is well).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.dateparse import parse_datetime

from ..models import Advocate, Challenge, Consultation, Pillar
from .parsing import Record, SeedProblem
from .schema import FIELDS, LABEL_NAMES, Field

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Markup in a text (a tag, a comment): the pages escape it, but a seed file has no reason to
# hold any, and a passage is rendered as Markdown. Autolinks (<https://…>) are the source's.
MARKUP = re.compile(r"<(?!https?://)\s*[/!?]?\s*[A-Za-z]")


def as_datetime(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            return parse_datetime(value.strip())
        except ValueError:
            return None
    return None


def _text_problem(value, spec: Field) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return f"expected text, found {_type_name(value)}"
    text = str(value).strip()
    if spec.required and not text:
        return "must not be empty"
    if len(text) > spec.max_length:
        return f"too long: {len(text):,} characters, at most {spec.max_length:,}"
    if spec.type == "code" and text and not CODE.match(text):
        return "expected a code of letters, digits, '.', '_' or '-'"
    if "<" in text and MARKUP.search(text):
        return "markup is not allowed (found an HTML tag)"
    return None


def _type_name(value) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__
    )


def _advocate_items(value) -> list[tuple[str, str]] | None:
    """[(slug, as written)] of an advocates list, or None when it is not one."""
    if not isinstance(value, list):
        return None
    items = []
    for item in value:
        if isinstance(item, str):
            items.append((item.strip(), ""))
        elif isinstance(item, dict) and set(item) <= {"advocate", "as"}:
            slug, as_written = item.get("advocate"), item.get("as", "")
            if not isinstance(slug, str) or not isinstance(as_written, str):
                return None
            items.append((slug.strip(), as_written.strip()))
        else:
            return None
    return items


LABEL = Field("text", required=True, max_length=200)
KIND_CODE = Field("code", required=True, max_length=40)


def _first(problems) -> str | None:
    return next((p for p in problems if p), None)


def _int_problem(value, spec: Field) -> str | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**15
    return None if ok else "expected a whole number from 0 to 32767"


def _list_problem(value, spec: Field) -> str | None:
    if spec.type == "codes":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return f"expected a list of codes, found {_type_name(value)}"
    items = _advocate_items(value)
    if items is None:
        return (
            f"expected a list of advocates (slugs, or advocate and as), found {_type_name(value)}"
        )
    return _first(_text_problem(as_written, LABEL) for _slug, as_written in items if as_written)


def _mapping_problem(value, spec: Field) -> str | None:
    if spec.type == "labels":
        if not isinstance(value, dict) or not set(value) <= set(LABEL_NAMES):
            return f"expected a mapping of {', '.join(LABEL_NAMES)}"
        return _first(_text_problem(v, LABEL) for v in value.values())
    if not isinstance(value, list) or not all(
        isinstance(k, dict) and set(k) == {"code", "label"} for k in value
    ):
        return "expected a list of kinds, each with a code and a label"
    return _first(
        _text_problem(k["code"], KIND_CODE) or _text_problem(k["label"], LABEL) for k in value
    )


def _field_problem(value, spec: Field) -> str | None:
    if spec.type in ("text", "code"):
        return _text_problem(value, spec)
    if spec.type == "int":
        return _int_problem(value, spec)
    if spec.type == "datetime":
        return None if as_datetime(value) else "expected a date and time (ISO 8601)"
    if spec.type == "choice":
        if value in spec.choices:
            return None
        return f"{str(value)[:40]!r} is not one of {', '.join(spec.choices)}"
    if spec.type in ("codes", "advocates"):
        return _list_problem(value, spec)
    return _mapping_problem(value, spec)


class Validator:
    """Checks records field by field, then against each other and the database."""

    def __init__(self, records: list[Record]):
        self.records = records
        self.problems: list[SeedProblem] = []
        in_file = {r.kind: set() for r in records}
        for r in records:
            in_file[r.kind].add((r.consultation, r.key))
        slugs = {r.consultation for r in records} | {
            r.key for r in records if r.kind == "consultation"
        }
        self.consultations = {r.key: r.data for r in records if r.kind == "consultation"}
        self.existing = {c.slug: c for c in Consultation.objects.filter(slug__in=slugs - {None})}
        self.advocates = {key for _c, key in in_file.get("advocates", ())}
        self.advocates |= set(Advocate.objects.values_list("slug", flat=True))
        self.pillars = in_file.get("pillars", set()) | set(
            Pillar.objects.filter(consultation__slug__in=slugs - {None}).values_list(
                "consultation__slug", "code"
            )
        )
        self.challenges = in_file.get("challenges", set()) | set(
            Challenge.objects.filter(consultation__slug__in=slugs - {None}).values_list(
                "consultation__slug", "code"
            )
        )

    def error(self, record: Record, field_name: str | None, message: str) -> None:
        problem = SeedProblem(record.file, record.line, record.label, field_name, message)
        self.problems.append(problem)
        record.problems.append(problem)

    def run(self) -> list[SeedProblem]:
        seen: dict[tuple, Record] = {}
        for record in self.records:
            self.check_fields(record)
            key = (record.kind, record.consultation, record.key)
            if record.key is None:
                continue
            if key in seen:
                first = seen[key]
                where = f"{first.file}:{first.line}" if first.line else first.file
                self.error(
                    record, record.key_field, f"duplicate {record.key_field} (also at {where})"
                )
            seen.setdefault(key, record)
        return self.problems

    def check_fields(self, record: Record) -> None:
        data, spec = record.data, FIELDS[record.kind]
        for name in data:
            if name not in spec:
                self.error(record, str(name)[:80], "unknown field")
        for name, field_spec in spec.items():
            if name not in data:
                if field_spec.required:
                    self.error(record, name, "missing field")
                continue
            problem = _field_problem(data[name], field_spec)
            if problem:
                self.error(record, name, problem)
        if record.kind == "consultation":
            opens, closes = as_datetime(data.get("opens_at")), as_datetime(data.get("closes_at"))
            if opens and closes and closes <= opens:
                self.error(record, "closes_at", "must be after opens_at")
        elif record.kind != "advocates":
            if (
                record.consultation not in self.consultations
                and record.consultation not in self.existing
            ):
                self.error(
                    record,
                    "consultation",
                    f"unknown consultation {str(record.consultation)[:80]!r}",
                )
            elif record.kind in ("challenges", "recommendations") and not record.problems:
                self.check_references(record)

    def source_kinds(self, slug: str) -> set[str]:
        if slug in self.consultations:
            kinds = self.consultations[slug].get("source_kinds") or []
        else:
            kinds = self.existing[slug].source_kinds or []
        return {k.get("code") for k in kinds if isinstance(k, dict)}

    def check_references(self, record: Record) -> None:
        data, slug = record.data, record.consultation
        if (slug, data["pillar"].strip()) not in self.pillars:
            self.error(record, "pillar", f"unknown pillar {data['pillar']!r}")
        unknown = [
            s for s, _a in _advocate_items(data.get("advocates", [])) if s not in self.advocates
        ]
        if unknown:
            self.error(record, "advocates", f"unknown advocate {', '.join(map(repr, unknown))}")
        unknown = [
            c for c in data.get("challenges", []) if (slug, c.strip()) not in self.challenges
        ]
        if unknown:
            self.error(record, "challenges", f"unknown challenge {', '.join(map(repr, unknown))}")
        source = str(data.get("source", "")).strip()
        if source and source not in self.source_kinds(slug):
            known = ", ".join(sorted(self.source_kinds(slug))) or "none"
            self.error(
                record, "source", f"{source!r} is not a source kind of the consultation ({known})"
            )


def advocate_items(value) -> list[tuple[str, str]]:
    return _advocate_items(value or []) or []

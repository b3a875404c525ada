"""Reading a seed file into records, refusing what could exhaust the machine on the way.

A file is refused whole, with one message naming its line, when it is over the size limit
(SEED_MAX_BYTES), not UTF-8 (with or without BOM), malformed, nested deeper than any seed
file needs, or, in YAML, uses anchors, aliases or tags (an alias bomb is refused from its
event stream, before anything is expanded). JSON's nesting is measured before it is parsed,
so a deep file never reaches the recursive decoder.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings

from .schema import CSV_COLUMNS, CSV_REQUIRED, SECTIONS

# document > section list > record > list field > advocate mapping: 5 levels are enough.
MAX_DEPTH = 6
CSV_LIST_SEPARATOR = ";"

_YamlBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed


@dataclass(frozen=True)
class SeedProblem:
    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = ", ".join(
            part
            for part in (
                f"record {self.record}" if self.record else "",
                f"field {self.field}" if self.field else "",
            )
            if part
        )
        return f"{where}: {what}: {self.message}" if what else f"{where}: {self.message}"


@dataclass
class Record:
    kind: str
    data: dict
    file: str
    line: int | None
    consultation: str | None  # slug
    index: int = 0
    problems: list[SeedProblem] = field(default_factory=list)

    KEYS = {"consultation": "slug", "advocates": "slug", "recommendations": "reference"}

    @property
    def key_field(self) -> str:
        return self.KEYS.get(self.kind, "code")

    @property
    def key(self):
        value = self.data.get(self.key_field)
        return value.strip() if isinstance(value, str) else None

    @property
    def label(self) -> str:
        return self.key or f"{self.kind}[{self.index}]"


def max_bytes() -> int:
    return settings.SEED_MAX_BYTES


def size_problem(name: str, size: int) -> SeedProblem | None:
    limit = max_bytes()
    if size <= limit:
        return None
    return SeedProblem(
        name,
        None,
        None,
        None,
        f"the file has {size:,} bytes; the limit is {limit:,} (SEED_MAX_BYTES)",
    )


def parse_seed(name: str, content: bytes) -> tuple[list[Record], list[SeedProblem]]:
    """Parse one file's content by its extension (.yaml/.yml, .json or .csv)."""
    too_big = size_problem(name, len(content))
    if too_big:
        return [], [too_big]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        byte = content[exc.start : exc.start + 1].hex().upper()
        message = f"not UTF-8 text (byte 0x{byte} cannot be read); save the file as UTF-8"
        return [], [SeedProblem(name, line, None, None, message)]
    suffix = Path(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _parse_yaml(name, text)
    if suffix == ".json":
        return _parse_json(name, text)
    if suffix == ".csv":
        return _parse_csv(name, text)
    return [], [
        SeedProblem(name, None, None, None, "unknown format: use .yaml, .yml, .json or .csv")
    ]


# -- YAML ----------------------------------------------------------------------------------


class _LineDict(dict):
    line: int | None = None


class _LineLoader(_YamlBase):
    """A safe loader that remembers the line of every mapping, for the messages."""


def _construct_line_dict(loader, node):
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    yield mapping
    mapping.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_line_dict)


def _yaml_structure_problem(text: str) -> tuple[int, str] | None:
    """Anchors, aliases, tags and depth, from the event stream (nothing expanded yet)."""
    depth = 0
    for event in yaml.parse(text, Loader=_YamlBase):
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            return line, f"YAML aliases (*{event.anchor}) are not allowed"
        if getattr(event, "anchor", None):
            return line, f"YAML anchors (&{event.anchor}) are not allowed"
        tag = getattr(event, "tag", None)
        if tag and tag != "!":  # an explicit tag: !!python/..., !custom, even !!str
            return line, f"YAML tags ({tag}) are not allowed"
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return line, f"nested deeper than {MAX_DEPTH} levels"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


def _parse_yaml(name: str, text: str) -> tuple[list[Record], list[SeedProblem]]:
    try:
        refused = _yaml_structure_problem(text)
        if refused:
            return [], [SeedProblem(name, refused[0], None, None, refused[1])]
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "cannot be read"
        line = mark.line + 1 if mark else None
        return [], [SeedProblem(name, line, None, None, f"malformed YAML: {problem}")]
    return _parse_document(name, doc, lines=None)


# -- JSON ----------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def _json_scan(text: str) -> tuple[list[int], int | None, tuple[int, str] | None]:
    """One pass over the brackets (the strings blanked first, in C): the line of each record
    (an object in a section's list), the consultation's line, or where nesting goes too
    deep. JSON strings hold no raw line breaks, so the lines stay where they were."""
    bare = _JSON_STRING.sub('""', text)
    stack: list[str] = []
    line, counted_to, records, consultation = 1, 0, [], None
    for match in _JSON_BRACKET.finditer(bare):
        token = match.group()
        if token in "]}":
            if stack:
                stack.pop()
            continue
        line += bare.count("\n", counted_to, match.start())
        counted_to = match.start()
        if token == "{" and stack == ["{", "["]:
            records.append(line)
        elif token == "{" and stack == ["{"]:
            consultation = line
        stack.append(token)
        if len(stack) > MAX_DEPTH:
            return [], None, (line, f"nested deeper than {MAX_DEPTH} levels")
    return records, consultation, None


def _parse_json(name: str, text: str) -> tuple[list[Record], list[SeedProblem]]:
    records_lines, consultation_line, refused = _json_scan(text)
    if refused:
        return [], [SeedProblem(name, refused[0], None, None, refused[1])]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [SeedProblem(name, exc.lineno, None, None, f"malformed JSON: {exc.msg}")]
    if isinstance(doc, dict) and isinstance(doc.get("consultation"), dict):
        consultation = _LineDict(doc["consultation"])
        consultation.line = consultation_line
        doc["consultation"] = consultation
    return _parse_document(name, doc, lines=iter(records_lines))


# -- YAML and JSON documents ---------------------------------------------------------------


def _parse_document(name: str, doc, *, lines) -> tuple[list[Record], list[SeedProblem]]:
    if not isinstance(doc, dict):
        return [], [SeedProblem(name, 1, None, None, "expected a mapping of sections")]
    problems = [
        SeedProblem(
            name,
            None,
            None,
            str(key)[:80],
            f"unknown section; expected one of {', '.join(SECTIONS)}",
        )
        for key in doc
        if key not in SECTIONS
    ]
    records: list[Record] = []
    consultation = doc.get("consultation")
    slug = None
    if isinstance(consultation, str):
        slug = consultation.strip()  # refers to an existing consultation
    elif isinstance(consultation, dict):
        line = getattr(consultation, "line", None)
        records.append(Record("consultation", consultation, name, line, None))
        slug = consultation.get("slug") if isinstance(consultation.get("slug"), str) else None
    else:
        message = "missing section" if consultation is None else "expected a mapping or a slug"
        problems.append(SeedProblem(name, None, None, "consultation", message))
    for section in SECTIONS[1:]:
        items = doc.get(section, [])
        if not isinstance(items, list):
            problems.append(SeedProblem(name, None, None, section, "expected a list"))
            continue
        for index, item in enumerate(items):
            line = getattr(item, "line", None) or (next(lines, None) if lines else None)
            if not isinstance(item, dict):
                problems.append(
                    SeedProblem(name, line, f"{section}[{index}]", None, "expected a mapping")
                )
                continue
            records.append(Record(section, item, name, line, slug, index))
    return records, problems


# -- CSV: recommendations of an existing consultation, one a line --------------------------


def _csv_list(value: str) -> list:
    items = []
    for part in value.split(CSV_LIST_SEPARATOR):
        slug, _sep, as_written = part.partition("=")
        if slug.strip():
            items.append(
                {"advocate": slug.strip(), "as": as_written.strip()} if _sep else slug.strip()
            )
    return items


def _parse_csv(name: str, text: str) -> tuple[list[Record], list[SeedProblem]]:
    reader = csv.DictReader(io.StringIO(text), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        return [], [SeedProblem(name, 1, None, None, f"malformed CSV: {exc}")]
    problems = [
        SeedProblem(name, 1, None, column[:80], "unknown column")
        for column in header
        if column not in CSV_COLUMNS
    ]
    problems += [
        SeedProblem(name, 1, None, column, "missing column")
        for column in sorted(CSV_REQUIRED)
        if column not in header
    ]
    if problems:
        return [], problems
    records = []
    rows = iter(reader)
    index = 0
    while True:
        starts_at = reader.line_num + 1  # a quoted value may span lines: name the first
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            return [], [SeedProblem(name, starts_at, None, None, f"malformed CSV: {exc}")]
        if None in row:
            problems.append(SeedProblem(name, starts_at, None, None, "more values than columns"))
            continue
        data = {k: v for k, v in row.items() if k != "consultation" and v not in ("", None)}
        for key in ("advocates", "challenges"):
            if key in data:
                data[key] = _csv_list(data[key])
        records.append(Record("recommendations", data, name, starts_at, row["consultation"], index))
        index += 1
    return records, problems

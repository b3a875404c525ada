"""An import's plan: each record of the files compared with what the database holds.

A record is new (created), unchanged (its digest is the one its last import stored: whatever
changed here since, the administrator's rewording, an accepted amendment, a closed
consultation, stays as it is), or changed in the source (its diff is shown; it is applied
only with --apply-source-changes). A recommendation whose wording changed in the source
but was also reworded here since its import is kept, unless --force names it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from ..models import (
    Advocate,
    Challenge,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationVersion,
    TextSource,
)
from .parsing import Record
from .report import Change
from .validation import advocate_items

MODELS = {
    "consultation": Consultation,
    "advocates": Advocate,
    "pillars": Pillar,
    "challenges": Challenge,
    "recommendations": Recommendation,
}
WORDING = ("title", "body")


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    return str(value).strip() if value is not None else ""


def record_values(record: Record, position: int) -> dict:
    """The values a record gives the database (those an import may change later)."""
    d = record.data
    if record.kind == "consultation":
        values = {
            n: _text(d, n) for n in ("title", "organiser", "summary", "notes", "source_document")
        }
        kinds = d.get("source_kinds") or []
        values["source_kinds"] = [
            {"code": k["code"].strip(), "label": k["label"].strip()} for k in kinds
        ]
        values["labels"] = {k: v.strip() for k, v in (d.get("labels") or {}).items()}
        return values
    if record.kind == "advocates":
        return {"name": _text(d, "name")}
    values = {
        "title": _text(d, "title"),
        "title_source": _text(d, "title_source") or TextSource.SOURCE,
    }
    values["position"] = int(d.get("position", position))
    if record.kind == "pillars":
        return values | {"heading": _text(d, "heading"), "summary": _text(d, "summary")}
    values |= {
        "pillar": _text(d, "pillar"),
        "body": _text(d, "body"),
        "source_section": _text(d, "source_section"),
        "source_passage": _text(d, "source_passage"),
        "advocates": [
            [slug, as_written] for slug, as_written in advocate_items(d.get("advocates"))
        ],
    }
    if record.kind == "recommendations":
        values |= {
            "rationale": _text(d, "rationale"),
            "source": _text(d, "source"),
            "challenges": [c.strip() for c in d.get("challenges", [])],
        }
    return values


def digest(values: dict) -> str:
    """The values' fingerprint: their repr, the keys in record_values' fixed order."""
    return hashlib.sha256(repr(values).encode()).hexdigest()


@dataclass
class Planned:
    record: Record
    values: dict
    digest: str
    obj: object = None
    change: Change | None = None


@dataclass
class Plan:
    creates: dict[str, list[Planned]] = field(default_factory=lambda: defaultdict(list))
    changes: dict[str, list[Planned]] = field(default_factory=lambda: defaultdict(list))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    missing: list[str] = field(default_factory=list)


def _key(record: Record):
    return (
        record.key
        if record.kind in ("consultation", "advocates")
        else (record.consultation, record.key)
    )


def _existing(records: list[Record]) -> dict[str, dict]:
    slugs = {r.consultation for r in records} | {r.key for r in records if r.kind == "consultation"}
    slugs.discard(None)
    found = {
        "consultation": {c.slug: c for c in Consultation.objects.filter(slug__in=slugs)},
        "advocates": {
            a.slug: a
            for a in Advocate.objects.filter(
                slug__in=[r.key for r in records if r.kind == "advocates"]
            )
        },
    }
    for kind in ("pillars", "challenges", "recommendations"):
        model = MODELS[kind]
        key = "reference" if kind == "recommendations" else "code"
        rows = model.objects.filter(consultation__slug__in=slugs).select_related("consultation")
        found[kind] = {(o.consultation.slug, getattr(o, key)): o for o in rows}
    return found


def current_values(kind: str, obj, wanted: dict) -> dict:
    """What the database holds, in the shape of record_values (queries for the changed only)."""
    plain = {n: getattr(obj, n) for n in wanted if n not in ("pillar", "advocates", "challenges")}
    if kind in ("challenges", "recommendations"):
        plain["pillar"] = obj.pillar.code
        through = (
            obj.challengeadvocate_set if kind == "challenges" else obj.recommendationadvocate_set
        )
        plain["advocates"] = [
            [a.advocate.slug, a.as_written]
            for a in through.select_related("advocate").order_by("position")
        ]
    if kind == "recommendations":
        plain["challenges"] = list(
            obj.challenges.order_by("position").values_list("code", flat=True)
        )
    return plain


def _last_imported_wording(pks: list[int]) -> dict[int, RecommendationVersion]:
    """The newest version an import wrote, of each recommendation: one query."""
    last = {}
    for version in RecommendationVersion.objects.filter(
        recommendation_id__in=pks, seed_import__isnull=False
    ).order_by("recommendation_id", "number"):
        last[version.recommendation_id] = version
    return last


def make_plan(records: list[Record], *, force: set[str]) -> Plan:
    plan, existing = Plan(), _existing(records)
    positions: dict[tuple, int] = defaultdict(int)
    in_file: set = set()
    for record in records:
        positions[(record.kind, record.consultation)] += 1
        values = record_values(record, positions[(record.kind, record.consultation)])
        planned = Planned(record, values, digest(values), existing[record.kind].get(_key(record)))
        in_file.add((record.kind, _key(record)))
        if planned.obj is None:
            plan.creates[record.kind].append(planned)
        elif _same(planned):
            plan.unchanged[record.kind] += 1
        else:
            plan.changes[record.kind].append(planned)
    _compare(plan, force)
    defined = {r.key for r in records if r.kind == "consultation"}
    for kind in ("pillars", "challenges", "recommendations"):
        plan.missing += [
            f"{kind} {key[1]} of {key[0]}"
            for key in existing[kind]
            if key[0] in defined and (kind, key) not in in_file
        ]
    return plan


def _same(planned: Planned) -> bool:
    if planned.record.kind == "advocates":  # shared by consultations: compared by its name
        return planned.obj.name == planned.values["name"]
    return planned.obj.source_digest == planned.digest


def _compare(plan: Plan, force: set[str]) -> None:
    """The diff of each record whose digest changed; those that differ in nothing the
    import may change (a creation-only field, say) are counted unchanged."""
    last = _last_imported_wording([p.obj.pk for p in plan.changes["recommendations"]])
    for kind, planned_list in plan.changes.items():
        differing = []
        for planned in planned_list:
            current = current_values(kind, planned.obj, planned.values)
            wording = WORDING if kind == "recommendations" else ()
            fields = {
                name: (current[name], value)
                for name, value in planned.values.items()
                if name not in wording and current[name] != value
            }
            kept = (
                _wording(planned, current, last.get(planned.obj.pk), force, fields)
                if wording
                else ""
            )
            if not fields:
                plan.unchanged[kind] += 1
                continue
            record = planned.record
            where = f"{record.file}:{record.line}" if record.line else record.file
            planned.change = Change(kind, record.key, where, fields, kept)
            differing.append(planned)
        plan.changes[kind] = differing


def _wording(planned: Planned, current: dict, imported, force: set[str], fields: dict) -> str:
    """Adds the wording to `fields` when the source changed it; says why it is kept when
    it was also reworded here since (an administrator, an accepted amendment)."""
    now = (current["title"], current["body"])
    before = (imported.title, imported.body) if imported else now
    wanted = (planned.values["title"], planned.values["body"])
    if wanted == before:
        return ""  # the source's wording is the one imported: whatever was done since stays
    fields.update(
        {n: (current[n], planned.values[n]) for n in WORDING if current[n] != planned.values[n]}
    )
    if now != before and planned.record.key not in force:
        return (
            "its wording was changed here since its import (see its versions): "
            f"--force {planned.record.key} replaces it with the file's"
        )
    return ""

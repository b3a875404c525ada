"""Import consultations and their recommendations from YAML, JSON or CSV seed files.

One schema for the three formats (schema.py; the README's "Seed files"). An import reads
every file (parsing.py), validates every record before anything is written (validation.py),
compares each with the database (planning.py) and writes in one transaction (writing.py). It
is not a sync: a re-import of the same file changes nothing; a change of the source's text is
shown, and applied only when asked; nothing is ever deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from .parsing import Record, SeedProblem, max_bytes, parse_seed, size_problem
from .planning import make_plan
from .report import ImportReport
from .validation import Validator
from .writing import write

CANONICAL_SEED = Path(__file__).resolve().parent.parent / "seeds" / "from-plant-to-patient.yaml"

__all__ = [
    "CANONICAL_SEED",
    "ImportReport",
    "SeedError",
    "SeedProblem",
    "max_bytes",
    "seed_import",
    "size_problem",
]


class SeedError(Exception):
    def __init__(self, problems: list[SeedProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _read(sources: Iterable[tuple[str, bytes]]) -> tuple[list[Record], dict[str, str]]:
    records: list[Record] = []
    problems: list[SeedProblem] = []
    hashes: dict[str, str] = {}
    for name, content in sources:
        parsed, found = parse_seed(name, content)
        records += parsed
        problems += found
        hashes[name] = hashlib.sha256(content).hexdigest()
    if not problems:
        problems = Validator(records).run()
    if problems:
        raise SeedError(problems)
    return records, hashes


def seed_import(
    *,
    sources: Iterable[tuple[str, bytes]],
    acting_user=None,
    dry_run: bool = False,
    apply_source_changes: bool = False,
    force: Iterable[str] = (),
) -> ImportReport:
    """Validate, then import seed files given as (name, content) pairs; all or nothing.

    Raises SeedError, having written nothing, when any file has a problem. New records are
    created; records whose source changed are reported (with their diff) and changed only
    with `apply_source_changes`; a dry run writes nothing at all.
    """
    records, hashes = _read(sources)
    plan = make_plan(records, force=set(force))
    report = ImportReport(dry_run=dry_run, applied=apply_source_changes and not dry_run)
    for kind, planned in plan.creates.items():
        report.created[kind] = len(planned)
    for kind, planned in plan.changes.items():
        report.changed[kind] = len([p for p in planned if not p.change.kept])
        report.changes += [p.change for p in planned]
    report.unchanged.update(plan.unchanged)
    report.missing = plan.missing
    if not dry_run:
        report.new_versions = write(
            plan, hashes=hashes, acting_user=acting_user, apply_changes=report.applied
        )
    return report

"""What an import did or would do: counts by kind, each change with its diff, what it kept."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

KIND_NAMES = {
    "consultation": "consultations",
    "advocates": "advocates",
    "pillars": "pillars",
    "challenges": "challenges",
    "recommendations": "recommendations",
}

KIND_SINGULAR = {
    "consultation": "consultation",
    "advocates": "advocate",
    "pillars": "pillar",
    "challenges": "challenge",
    "recommendations": "recommendation",
}


@dataclass
class Change:
    kind: str
    key: str
    where: str  # file:line
    fields: dict[str, tuple[object, object]]  # name: (in the database, in the file)
    kept: str = ""  # why it is not applied, when it is not

    def diff_lines(self) -> list[str]:
        lines = []
        for name, (old, new) in self.fields.items():
            lines.append(f"    {name}:")
            old_lines, new_lines = _lines(old), _lines(new)
            for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=1):
                if not line.startswith(("---", "+++", "@@")):
                    lines.append(f"      {line}")
        return lines


def _lines(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value if value is not None else "").splitlines() or [""]


@dataclass
class ImportReport:
    dry_run: bool = False
    applied: bool = False
    created: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    new_versions: int = 0

    def summary(self) -> str:
        parts = []
        for kind, name in KIND_NAMES.items():
            counts = [
                f"{self.created[kind]} created" if self.created[kind] else "",
                self._changed(kind),
                f"{self.unchanged[kind]} unchanged" if self.unchanged[kind] else "",
            ]
            counts = [c for c in counts if c]
            if counts:
                parts.append(f"{name}: {', '.join(counts)}")
        parts.append(f"{self.new_versions} new wording versions")
        return "; ".join(parts)

    def _changed(self, kind: str) -> str:
        if not self.changed[kind]:
            return ""
        if self.applied:
            return f"{self.changed[kind]} changed"
        return f"{self.changed[kind]} changed in the file (not applied)"

    def __str__(self):
        return self.summary()

    def lines(self) -> list[str]:
        """The changes with their diffs, what was kept and why, and what the file lacks."""
        out = []
        for change in self.changes:
            status = "kept" if change.kept else ("changed" if self.applied else "differs")
            out.append(f"{change.where}: {KIND_SINGULAR[change.kind]} {change.key} {status}")
            if change.kept:
                out.append(f"    {change.kept}")
            out += change.diff_lines()
        if self.changes and not self.applied and not self.dry_run and self.pending:
            out.append(
                "Source changes were not applied: review them with --dry-run, then "
                "import with --apply-source-changes."
            )
        out += [f"missing from the file (kept, never deleted): {key}" for key in self.missing]
        return out

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if not c.kept]

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommendations.seeding import CANONICAL_SEED, SeedError, seed_import, size_problem


class Command(BaseCommand):
    help = (
        "Import consultations and recommendations from YAML, JSON or CSV seed files "
        "(no argument: the canonical white-paper seed). The first import creates; importing "
        "again changes nothing but reports what differs; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Seed files (.yaml, .json, .csv)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what the import would create and the diff of each changed record; "
            "write nothing.",
        )
        parser.add_argument(
            "--apply-source-changes",
            action="store_true",
            help="Apply the records whose source text changed in the file: a new wording "
            "is a new version credited to the import.",
        )
        parser.add_argument(
            "--force",
            action="append",
            default=[],
            metavar="REFERENCE",
            help="With --apply-source-changes, also replace this recommendation's wording "
            "when it was changed here since its import (repeatable).",
        )

    def handle(self, *args, files, dry_run, apply_source_changes, force, **options):
        sources = [self.read(path) for path in files or [CANONICAL_SEED]]
        try:
            report = seed_import(
                sources=sources,
                dry_run=dry_run,
                apply_source_changes=apply_source_changes,
                force=force,
            )
        except SeedError as exc:
            raise CommandError(
                f"Nothing was imported: {len(exc.problems)} problem(s) found.\n{exc}"
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
        names = ", ".join(name for name, _content in sources)
        verb = "Dry run, nothing written" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb} {names}: {report}."))

    def read(self, path: Path) -> tuple[str, bytes]:
        """The file's bytes, refused by its size before it is read."""
        try:
            too_big = size_problem(str(path), path.stat().st_size)
            if too_big:
                raise CommandError(f"Nothing was imported: 1 problem(s) found.\n{too_big}")
            return str(path), path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc

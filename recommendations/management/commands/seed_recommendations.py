from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from recommendations.seeding import CANONICAL_SEED, SeedError, seed_import


class Command(BaseCommand):
    help = (
        "Import consultations and recommendations from YAML, JSON or CSV seed files "
        "(no argument: the canonical white-paper seed). Idempotent; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Seed files (.yaml, .json, .csv)")

    def handle(self, *args, files, **options):
        files = files or [CANONICAL_SEED]
        sources = []
        for path in files:
            try:
                sources.append((str(path), path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
        try:
            report = seed_import(sources=sources)
        except SeedError as exc:
            raise CommandError(
                f"Nothing was imported: {len(exc.problems)} problem(s) found.\n{exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {', '.join(map(str, files))}: {report}."))

"""Recompute the dialogue's summaries (counts by recommendation, version, group, stance and
week) from the contributions: after a bulk load behind the services' back, or a change of
what counts (consultation.counting)."""

from django.core.management.base import BaseCommand

from consultation.services.summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Recompute the summaries of positions, comments and amendments from scratch."

    def handle(self, *args, **options):
        written = summaries_rebuild()
        rows = ", ".join(f"{table}: {n}" for table, n in written.items())
        self.stdout.write(f"Summaries rebuilt ({rows} rows).")

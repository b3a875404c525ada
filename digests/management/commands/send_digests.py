"""python manage.py send_digests --frequency daily|weekly [--dry-run] [--user EMAIL]
[--period-start YYYY-MM-DD]

Sends the period's digests in this process (no worker needed), exactly as the beat's task
does: the people already served for the period are left alone, so running it again is safe.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from digests import selectors, services
from digests.periods import FREQUENCIES, period_due, period_starting


class Command(BaseCommand):
    help = "Send the daily or weekly e-mail digests of the last complete period."

    def add_arguments(self, parser):
        parser.add_argument("--frequency", required=True, choices=FREQUENCIES)
        parser.add_argument(
            "--dry-run", action="store_true", help="show who would get what; send nothing"
        )
        parser.add_argument("--user", metavar="EMAIL", help="only this person")
        parser.add_argument(
            "--period-start",
            type=date.fromisoformat,
            help="the period's first day (a Monday for weekly); default: the last complete one",
        )

    def handle(self, *, frequency, dry_run, user, period_start, verbosity, **options):
        try:
            period = (
                period_starting(frequency, period_start) if period_start else period_due(frequency)
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{frequency} digests for {period.start_date} to {period.last_day}"
            + (" (dry run: nothing is sent or recorded)" if dry_run else "")
        )
        if (
            user
            and not selectors.subscribers(frequency=frequency).filter(email__iexact=user).exists()
        ):
            raise CommandError(
                f"{user} does not receive {frequency} digests (no such person, digests set to "
                "another frequency or off, or the address is not verified)."
            )
        totals: dict[str, int] = {}

        def run_batch(frequency, start, ids):
            if dry_run:
                self._preview(period, ids, totals, verbosity)
                return
            report = services.digest_send_batch(
                frequency=frequency,
                period_start=period.start_date,
                user_ids=ids,
                raise_deferred=False,
            )
            for key, value in report.as_dict().items():
                totals[key] = totals.get(key, 0) + value
            if verbosity > 1:
                self.stdout.write(f"  batch of {len(ids)}: {report.as_dict()}")

        handed = services.digest_fan_out(
            frequency=frequency,
            period_start=period.start_date,
            run_batch=run_batch,
            user_email=user,
        )
        self.stdout.write(
            f"{handed} people due; " + ", ".join(f"{k} {v}" for k, v in totals.items())
        )
        if totals.get("deferred"):
            self.stdout.write(
                self.style.WARNING(
                    f"{totals['deferred']} met a temporary failure: run the command again later."
                )
            )
        if totals.get("failed"):
            self.stdout.write(self.style.ERROR(f"{totals['failed']} failed: see the admin."))

    def _preview(self, period, ids, totals, verbosity):
        people = selectors.batch_people(frequency=period.frequency, user_ids=ids)
        for digest in selectors.digests_build(people=people, period=period).values():
            key = "would skip" if digest.is_empty else "would send"
            totals[key] = totals.get(key, 0) + 1
            if verbosity >= 1:
                self.stdout.write(
                    f"  {digest.user.email}: "
                    + (
                        "nothing new (skipped)"
                        if digest.is_empty
                        else f"{len(digest.changes)} changes, {len(digest.followed)} followed, "
                        f"{len(digest.replies) + digest.more_replies} replies, "
                        f"{len(digest.decisions)} decisions"
                    )
                )

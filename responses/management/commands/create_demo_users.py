"""accounts' create_demo_users, with the consultation team's logins and, on request, sample
responses (this app is listed before accounts, so its command is the one run)."""

from accounts.management.commands import create_demo_users
from accounts.services import DEMO_PASSWORD

from ...demo import demo_team_ensure, sample_responses_create


class Command(create_demo_users.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sample-responses",
            action="store_true",
            help="Add published responses marked as samples (never the organisers' words).",
        )

    def handle(self, *args, sample_responses=False, **options):
        super().handle(*args, **options)
        writer, reviewer = demo_team_ensure(password=DEMO_PASSWORD)
        for member in (writer, reviewer):
            self.stdout.write(f"  consultation team  {member.email}  {DEMO_PASSWORD}")
        if sample_responses:
            created = sample_responses_create(writer=writer, reviewer=reviewer)
            self.stdout.write(f"{len(created)} sample responses added (labelled as samples).")

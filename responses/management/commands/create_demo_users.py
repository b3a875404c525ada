"""accounts' create_demo_users, with the consultation team's logins and, on request, sample
responses (this app is listed before accounts, so its command is the one run)."""

from accounts.management.commands import create_demo_users

from ...demo import demo_team, demo_team_ensure, sample_responses_create


class Command(create_demo_users.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--sample-responses",
            action="store_true",
            help="Add published responses marked as samples (never the organisers' words).",
        )

    def more_logins(self, *, password: str) -> list[tuple[str, str, str]]:
        members = demo_team_ensure(password=password)
        return [("consultation team", member.email, password) for member in members]

    def handle(self, *args, sample_responses=False, **options):
        super().handle(*args, **options)
        if sample_responses:
            writer, reviewer = demo_team()
            created = sample_responses_create(writer=writer, reviewer=reviewer)
            self.stdout.write(f"{len(created)} sample responses added (labelled as samples).")

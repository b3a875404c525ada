from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import DEMO_TOTP_SECRET, demo_users_ensure


class Command(BaseCommand):
    help = "Create or reset the demo logins that `make run` prints (refused when DEBUG is off)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Allow it with DEBUG off (never in production)."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Demo logins have a published password: DEBUG must be on.")
        self.stdout.write("Demo logins for http://127.0.0.1:8000/accounts/login/ :")
        logins = demo_users_ensure()
        role_width = max(len(role) for role, _, _ in logins)
        email_width = max(len(email) for _, email, _ in logins)
        for role, email, password in logins:
            self.stdout.write(f"  {role:<{role_width}}  {email:<{email_width}}  {password}")
        self.stdout.write(
            "The moderator and the admin use two-factor authentication: their TOTP secret is "
            f"{DEMO_TOTP_SECRET} (add it to an authenticator app), or print the current code "
            "with `.venv/bin/python manage.py demo_totp_code`."
        )

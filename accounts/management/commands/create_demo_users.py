import os
import secrets
from pathlib import Path

from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import demo_users_ensure, demo_users_exist


def logins_file() -> Path:
    """Where this install's demo logins are kept after `make run` printed them."""
    return Path(settings.VAR_DIR) / "demo-logins.txt"


class Command(BaseCommand):
    help = (
        "Create the demo logins with a random password and TOTP secret for this install, and "
        "print them once (kept in var/demo-logins.txt). Refused when DEBUG is off, and always "
        "with the production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Allow it with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Give the demo logins a new password and secret."
        )

    def handle(self, *args, force=False, reset=False, **options):
        if not settings.DEMO_USERS_ALLOWED:
            raise CommandError("Demo logins are never created with the production settings.")
        if not settings.DEBUG and not force:
            raise CommandError("Demo logins are for trying the platform: DEBUG must be on.")
        path = logins_file()
        if demo_users_exist() and not reset:
            self.stdout.write(
                f"The demo logins exist; their password and two-factor secret are in {path} "
                "(`manage.py create_demo_users --reset` makes new ones)."
            )
            return
        password = secrets.token_urlsafe(12)
        secret = generate_totp_secret()
        logins = demo_users_ensure(password=password, totp_secret=secret)
        logins += self.more_logins(password=password)
        role_width = max(len(role) for role, _, _ in logins)
        email_width = max(len(email) for _, email, _ in logins)
        lines = [f"Demo logins for {settings.SITE_URL}/accounts/login/ :"]
        lines += [
            f"  {role:<{role_width}}  {email:<{email_width}}  {password}"
            for role, email, password in logins
        ]
        lines.append(
            "The moderator and the admin use two-factor authentication: their TOTP secret is "
            f"{secret} (add it to an authenticator app), or print the current code with "
            "`.venv/bin/python manage.py demo_totp_code`."
        )
        text = "\n".join(lines) + "\n"
        # readable by this user only: the file holds passwords
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(text)
        self.stdout.write(text + f"(Kept in {path}.)")

    def more_logins(self, *, password: str) -> list[tuple[str, str, str]]:
        """Demo logins of apps above this one, as (role, e-mail, password), with the same
        password. An app listed before accounts extends this command and overrides this."""
        return []

import time

from allauth.mfa import app_settings
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import DEMO_ADMIN_EMAIL


class Command(BaseCommand):
    help = "Print the current two-factor code of the demo moderator and admin (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG or not settings.DEMO_USERS_ALLOWED:
            raise CommandError("Demo logins are for trying the platform: DEBUG must be on.")
        authenticator = Authenticator.objects.filter(
            user__email=DEMO_ADMIN_EMAIL, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError("No demo logins yet: `manage.py create_demo_users` makes them.")
        secret = get_adapter().decrypt(authenticator.data["secret"])
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _

from core.throttling import too_many_requests
from notifications.services import email_rendered_queue

from . import login_throttle
from .tasks import send_account_email
from .validators import MAX_PASSWORD_LENGTH

logger = logging.getLogger(__name__)
TOO_MANY_FAILURES = _("Too many failed sign-ins from this address for this account.")
TOO_MANY_FROM_ADDRESS = _("Too many failed sign-ins from this address.")
# allauth's per-address limit on failed sign-ins (ACCOUNT_RATE_LIMITS["login_failed"]) counts
# over one minute: its 429 asks for that long at most.
ADDRESS_WINDOW = 60


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "password_sign_in_paused": _(
            "This account has had too many failed sign-ins this hour, so its password does not "
            "sign in for now. Sign in with a one-time code sent to your e-mail address instead."
        ),
    }

    def get_email_verification_redirect_url(self, email_address):
        return settings.LOGIN_URL

    # -- Sign-in throttling (accounts.login_throttle) ----------------------------------------

    def pre_authenticate(self, request, **credentials):
        if len(credentials.get("password") or "") > MAX_PASSWORD_LENGTH:
            raise self.validation_error("email_password_mismatch")  # never hashed
        email, client = credentials.get("email") or "", self.get_client_ip(request)
        if wait := login_throttle.wait_before_next(email, client):
            raise ImmediateHttpResponse(too_many_requests(request, wait, str(TOO_MANY_FAILURES)))
        if login_throttle.ceiling_reached(email):
            raise self.validation_error("password_sign_in_paused")
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:  # allauth's per-address limit
            response = too_many_requests(request, ADDRESS_WINDOW, str(TOO_MANY_FROM_ADDRESS))
            raise ImmediateHttpResponse(response) from exc

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            login_throttle.record_success(
                credentials.get("email") or "", self.get_client_ip(request)
            )
        return user

    def authentication_failed(self, request, **credentials):
        login_throttle.record_failure(credentials.get("email") or "", self.get_client_ip(request))

    # -- E-mail: rendered in the request, sent by the worker ---------------------------------

    def send_account_already_exists_mail(self, email):
        # A sign-up with a new address hashes its password; one with a registered address
        # hashes a throwaway one, so that the two take the same time.
        make_password(get_random_string(20))
        return super().send_account_already_exists_mail(email)

    def send_mail(self, template_prefix, email, context):
        # allauth's messages (verification, password reset, ...) go out in the language of the
        # person's preferences, not the language of whoever's browser asked for them. A message
        # to an address with no account (allauth's "unknown account" mail) keeps the request's.
        language = getattr(context.get("user"), "language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)

    def _queue(self, message) -> None:
        """Send through the outbox and the worker: the request neither waits for the mail
        server nor takes longer when the address is registered (enumeration). The message is
        written whole to the outbox now (it needs nothing else from the database) and handed
        to the worker at once; with the broker down it goes out from here, late rather than
        lost, and if the worker cannot find it yet the sweep sends it."""
        outbox_id = email_rendered_queue(
            {
                "subject": message.subject,
                "body": message.body,
                "from_email": message.from_email,
                "to": list(message.to),
                "alternatives": [list(a) for a in getattr(message, "alternatives", [])],
            }
        )
        try:
            send_account_email.delay(outbox_id)
        except Exception:  # the broker is unreachable: any error of its client
            logger.exception("Broker unreachable: sending an account e-mail from the request")
            send_account_email(outbox_id)

    def render_mail(self, template_prefix, email, context, headers=None):
        message = super().render_mail(template_prefix, email, context, headers)
        message.send = lambda fail_silently=False: self._queue(message)
        return message

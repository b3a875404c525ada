from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation


class AccountAdapter(DefaultAccountAdapter):
    def get_email_verification_redirect_url(self, email_address):
        return settings.LOGIN_URL

    def send_mail(self, template_prefix, email, context):
        # allauth's messages (verification, password reset, ...) go out in the language of the
        # person's preferences, not the language of whoever's browser asked for them. A message
        # to an address with no account (allauth's "unknown account" mail) keeps the request's.
        language = getattr(context.get("user"), "language", None)
        if not language:
            return super().send_mail(template_prefix, email, context)
        with translation.override(language):
            return super().send_mail(template_prefix, email, context)

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation

from .rules import TWO_FACTOR_NEEDED, two_factor_missing

# Pages a person without two-factor authentication may still reach under those prefixes.
EXEMPT = ("/admin/logout/", "/admin/login/")


class RequireMFAForRolesMiddleware:
    """Moderators and consultation admins act only once they have set up TOTP.

    Under the protected prefixes (the admin, the moderation queue) a person with a role and
    no authenticator is sent to the TOTP set-up page with a message saying why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            request.user.is_authenticated
            and path.startswith(tuple(settings.MFA_REQUIRED_PATH_PREFIXES))
            and not path.startswith(EXEMPT)
            and two_factor_missing(request.user)
        ):
            return two_factor_setup(request)
        return self.get_response(request)


def two_factor_setup(request):
    """To the TOTP set-up page, saying why (also for actions outside the prefixes, such as
    deciding on an amendment)."""
    messages.warning(request, TWO_FACTOR_NEEDED)
    return redirect("mfa_activate_totp")


class UserLanguageMiddleware:
    """A signed-in person sees the interface in the language of their preferences.

    LocaleMiddleware has already picked a language from the cookie or the browser; for a
    signed-in person their stored preference wins, so the interface follows them from one
    device to the next. The language switcher updates that preference.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.language and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)

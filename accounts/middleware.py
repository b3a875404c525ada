from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from .rules import two_factor_missing

# Pages a person without two-factor authentication may still reach under those prefixes.
EXEMPT = ("/admin/logout/", "/admin/login/")
# Where a moderator was going when sent to set up two-factor authentication: the set-up's
# last page (the recovery codes) leads back there (templatetags/two_factor.py).
SETUP_NEXT = "two_factor_setup_next"


class RequireMFAForRolesMiddleware:
    """Moderators and consultation admins act only once they have set up TOTP.

    Under the protected prefixes (the admin, the moderation queue) a person with a role and
    no authenticator is sent to the TOTP set-up page with a message saying why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if not request.user.is_authenticated:
            return self.get_response(request)
        if path.startswith(tuple(settings.MFA_REQUIRED_PATH_PREFIXES)) and not path.startswith(
            EXEMPT
        ):
            if two_factor_missing(request.user):
                return two_factor_setup(request)
            if request.session.get(SETUP_NEXT) == request.get_full_path():
                del request.session[SETUP_NEXT]  # back where they were going
        return self.get_response(request)


def two_factor_setup(request):
    """To the TOTP set-up page (also for actions outside the prefixes, such as deciding on an
    amendment). The set-up page says why (rules.TWO_FACTOR_NEEDED): not a message, which the
    re-authentication page allauth shows first would display. Where the person was going is
    kept for the set-up's last page to lead back to."""
    request.session[SETUP_NEXT] = _return_path(request)
    return redirect("mfa_activate_totp")


def _return_path(request) -> str:
    """The page asked for; for a form's POST, the page the form was on (its Referer)."""
    if request.method == "GET":
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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

"""`Authorization: Bearer <key>` with a personal API token (created at /accounts/tokens/)."""

from rest_framework import authentication, exceptions

from .services import api_token_use

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in KEYWORDS:
            return None  # not ours: the session may authenticate the request
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token as `Authorization: Bearer <key>`."
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("That is not an API token.") from None
        token = api_token_use(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("This API token is unknown or revoked.")
        user = token.user
        if not user.is_active or user.deleted_at:
            raise exceptions.AuthenticationFailed("This account is closed.")
        return user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="api"'

"""Rules on account fields that the web forms and the API share, and the password rules
beyond Django's (AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

# A stakeholder profile names its person and their stakeholder group: the profile form
# (accounts.forms.ProfileForm) and PATCH /api/me/ (api.serializers.ProfileSerializer) both
# refuse these empty.
PROFILE_REQUIRED_FIELDS = ("display_name", "stakeholder_group")

# ASVS V6: at least 64 characters must be allowed; past a limit a password is refused before
# it is hashed, so that a megabyte of "password" cannot cost the server a second of hashing.
MAX_PASSWORD_LENGTH = 1024


class MaximumLengthValidator:
    def __init__(self, max_length: int = MAX_PASSWORD_LENGTH):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(self.get_help_text(), code="password_too_long")

    def get_help_text(self):
        return ngettext(
            "Your password can have at most %(max_length)d character.",
            "Your password can have at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}

"""Writes of the API app: personal API tokens."""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .models import ApiToken

KEY_PREFIX = "p2p_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
NAME_MAX_LENGTH = 100
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most this often: a busy script costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for this person; returns it with its key, which is never stored."""
    if not user.is_authenticated or not user.is_active or user.deleted_at:
        raise PermissionDenied("Sign in to create an API token.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. what it is for."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Keep the name under {NAME_MAX_LENGTH} characters."})
    # Lock the person's row: two simultaneous creations must not both pass the limit.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if ApiToken.objects.filter(user=user, revoked_at=None).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            f"You have {MAX_ACTIVE_TOKENS} active tokens: revoke one before creating another."
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:PREFIX_LENGTH], hashed_key=hash_key(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    if not acting_user.has_perm("api.revoke_token", token):
        raise PermissionDenied("Only its owner can revoke this token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_use(*, key: str) -> ApiToken | None:
    """The active token with this key (its person loaded), noting its use; None for an
    unknown or revoked key."""
    if not key.startswith(KEY_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(hashed_key=hash_key(key), revoked_at=None)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

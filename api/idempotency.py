"""Idempotent API writes: a POST under /api/ may carry an `Idempotency-Key` header (any
string of 1 to 255 characters, e.g. a UUID). The first response to a key is kept for 24 hours
for the person who sent it; a retry with the same key gets that response again (status, body,
headers, plus `Idempotent-Replayed: true`) and creates nothing. The same key with another
method, path or body is refused with 422.

The key's row is written in the same transaction as the request's work, under a unique
constraint: a duplicate sent while the first is still running waits for it, then gets its
response; if the first fails (5xx), nothing is kept and the retry runs afresh.
"""

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from .exceptions import error_body
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
KEEP = timedelta(hours=24)
# Replayed as they were, except what belongs to the connection or the moment.
NOT_REPLAYED = {"date", "set-cookie", "connection", "content-length"}


def _person(request):
    """Who sends the request, as the API's own authenticators say (None when nobody is
    signed in, or the credentials are refused: the view then refuses the request itself)."""
    drf_request = Request(
        request, authenticators=[cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        user = drf_request.user
    except APIException:
        return None
    return user if user.is_authenticated else None


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.get_full_path().encode(), request.body):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code)
    for name, value in record.headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(*, user, key: str, fingerprint: str) -> HttpResponse | None:
    """Take the key for this request (None), or answer with what the key already holds."""
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            # A placeholder, replaced by the response before the transaction commits; a
            # concurrent insert of the same key waits here for that commit.
            IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=fingerprint, status_code=0
            )
    except IntegrityError:
        kept = IdempotencyKey.objects.get(user=user, key=key)
        if kept.fingerprint != fingerprint:
            return _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for another request: use a new key."),
            )
        return _replay(kept)
    return None


def _keep(*, user, key: str, response: HttpResponse) -> None:
    IdempotencyKey.objects.filter(user=user, key=key).update(
        status_code=response.status_code,
        headers={k: v for k, v in response.items() if k.lower() not in NOT_REPLAYED},
        body=response.content,
    )


class IdempotencyMiddleware:
    """Applies the above to every POST under /api/ that carries the header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not 0 < len(key) <= MAX_LENGTH:
            return _error(
                400,
                "invalid_idempotency_key",
                _("The Idempotency-Key header must have 1 to 255 characters."),
            )
        fingerprint = _fingerprint(request)  # reads the body before anything parses it
        user = _person(request)
        if user is None:
            return self.get_response(request)
        with transaction.atomic():
            answered = _claim(user=user, key=key, fingerprint=fingerprint)
            if answered is not None:
                return answered
            response = self.get_response(request)
            if response.status_code >= 500 or response.streaming:
                transaction.set_rollback(True)  # nothing kept: a retry runs afresh
            else:
                _keep(user=user, key=key, response=response)
        return response


def idempotency_keys_purge(*, now=None) -> int:
    """Delete the keys older than 24 hours (beat runs it hourly); the number deleted."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted

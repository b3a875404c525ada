"""One error body for every refusal: {"error": {"code", "message", "fields", "codes"}}.

The services raise Django's ValidationError and PermissionDenied (ContributionRefused): they
become 400 and 403 with the services' own words, as the HTML pages show them.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from consultation.services import ContributionRefused
from core.throttling import mark_throttled, throttled_text
from moderation.services import AlreadyDecided

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "Someone else acted first."
    default_code = "already_decided"


class Throttled(exceptions.Throttled):
    """A throttle with its reason; the handler adds when to try again (core.throttling)."""

    def __init__(self, wait: float, reason: str):
        super().__init__(wait=wait)
        self.reason = reason


def _throttled_body(exc: exceptions.Throttled) -> dict:
    reason = getattr(exc, "reason", None) or _("You have sent too many requests.")
    return error_body("throttled", throttled_text(str(reason), exc.wait or 1))


def _from_django_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            (NON_FIELD if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
    else:
        detail = {NON_FIELD: exc.messages}
    return exceptions.ValidationError(detail)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """{"a": {"b": ["x"]}, "c": [{"d": ["y"]}]} -> {"a.b": ["x"], "c.0.d": ["y"]}."""
    if isinstance(detail, dict):
        items = detail.items()
    elif isinstance(detail, list) and any(isinstance(d, (dict, list)) for d in detail):
        items = ((str(i), d) for i, d in enumerate(detail))
    else:
        messages = detail if isinstance(detail, list) else [detail]
        return {prefix: [str(m) for m in messages]} if prefix else {NON_FIELD: list(messages)}
    flat = {}
    for key, value in items:
        if value in ({}, []):
            continue
        flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def error_body(
    code: str, message: str, fields: dict | None = None, codes: dict | None = None
) -> dict:
    return {
        "error": {"code": code, "message": message, "fields": fields or {}, "codes": codes or {}}
    }


def _body_for(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        general = [str(m) for m in fields.pop(NON_FIELD, [])]
        if general:
            message = " ".join(general)
        else:
            message = " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
        # per field, what went wrong as a word a client can test: required, invalid,
        # max_length, blank, null, ... (DRF's error codes, flattened like the messages)
        codes = _flatten(exc.get_codes()) if isinstance(exc.detail, dict) else {}
        codes = {name: [str(c) for c in found] for name, found in codes.items() if name in fields}
        return error_body("invalid", message, fields, codes)
    detail = exc.detail
    if isinstance(detail, (list, dict)):
        message = " ".join(str(m) for m in _flatten(detail).get(NON_FIELD, [])) or str(detail)
    else:
        message = str(detail)
    code = getattr(detail, "code", None) or exc.default_code
    return error_body(str(code), message)


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, AlreadyDecided):
        exc = Conflict(str(exc) or None)
    elif isinstance(exc, ContributionRefused):
        exc = exceptions.PermissionDenied(str(exc), code="contribution_refused")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's handler answers it
    if isinstance(exc, exceptions.Throttled):
        response.data = _throttled_body(exc)
        return mark_throttled(response, exc.wait or 1)
    response.data = _body_for(exc)
    return response


@csrf_exempt  # nothing is done here: every method gets the JSON 404, never the CSRF page
def not_found(request, *args, **kwargs):
    """Any other address under /api/: the same error body, not the HTML 404 page; an address
    that lacks only its trailing slash is told so."""
    message = "There is no API endpoint here."
    with_slash = request.path_info + "/"
    if not request.path_info.endswith("/"):
        try:
            match = resolve(with_slash)
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            message = f"There is no API endpoint here; did you mean {with_slash} (with the slash)?"
    return JsonResponse(error_body("not_found", message), status=404)

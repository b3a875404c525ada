"""OpenAPI: the token scheme, and the error body documented on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .idempotency import HEADER, MAX_LENGTH

ERROR_STATUSES = {
    "400": "The request is not valid: `fields` names each field at fault.",
    "401": "No valid credentials: sign in, or send `Authorization: Bearer <key>`.",
    "403": "Not allowed to you, or not now; `message` says why.",
    "404": "No such thing, or not visible to you.",
    "409": "Someone else acted first (moderation): `message` says who.",
    "429": "Too many requests: wait and try again (see `Retry-After`).",
    "503": "The database is unreachable just now: try again after `Retry-After` seconds.",
}
# On every POST (api.idempotency).
IDEMPOTENCY_KEY = OpenApiParameter(
    name=HEADER,
    type={"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any string of your own (e.g. a UUID) that makes the POST safe to retry: for 24 hours, "
        "a retry with the same key gets the first response again (with the header "
        "`Idempotent-Replayed: true`) and creates nothing. The same key with another path or "
        "body is refused with 422. Keys are yours alone: another person's never collide."
    ),
)
IDEMPOTENCY_REUSED = "The Idempotency-Key was sent before with another request: use a new key."


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable code, e.g. `invalid`.")
    message = serializers.CharField(help_text="What went wrong, in words for a person.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages for each field at fault (dotted paths for nested fields).",
    )
    codes = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text=(
            "For each field in `fields`, its error codes in the same order: `required`, "
            "`invalid`, `blank`, `null`, `max_length`, `does_not_exist`, ..."
        ),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class ApiAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_KEY]
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            errors = dict(ERROR_STATUSES)
            if self.method == "POST":
                errors["422"] = IDEMPOTENCY_REUSED
            for code, description in errors.items():
                if code not in responses:
                    responses[code] = self._get_response_for_code(ErrorSerializer, code)
                    responses[code]["description"] = description
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer"
        )
        scheme["description"] = "A personal API token, created at /accounts/tokens/."
        return scheme

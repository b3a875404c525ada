"""OpenAPI: the token scheme, and the error body documented on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "The request is not valid: `fields` names each field at fault.",
    "401": "No valid credentials: sign in, or send `Authorization: Bearer <key>`.",
    "403": "Not allowed to you, or not now; `message` says why.",
    "404": "No such thing, or not visible to you.",
    "409": "Someone else acted first (moderation): `message` says who.",
    "429": "Too many requests: wait and try again (see `Retry-After`).",
}


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
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in ERROR_STATUSES.items():
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

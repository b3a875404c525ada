"""OpenAPI: the token scheme, and the error body documented on every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from .idempotency import HEADER, MAX_LENGTH

# What each error status means. Which operations declare which is decided in one place,
# ApiAutoSchema.error_statuses below.
ERROR_STATUSES = {
    "400": "The request is not valid: `fields` names each field at fault, `codes` says how.",
    "401": "No valid credentials: sign in, or send `Authorization: Bearer <key>`.",
    "403": "Not allowed to you, or not now; `message` says why.",
    "404": "No such thing, or not visible to you.",
    "406": "The `Accept` header asks for a format this address does not answer (it answers JSON).",
    "409": "Someone else acted first (moderation): `message` says who.",
    "415": "The body is not JSON: send `Content-Type: application/json`.",
    "422": "The Idempotency-Key was sent before with another request: use a new key.",
    "429": "Too many requests: wait and try again (see `Retry-After`).",
    "503": "The database is unreachable just now: try again after `Retry-After` seconds.",
}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
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

    def get_auth(self):
        """Reads that anyone may make say so (`{}`: no credentials needed), whatever the
        permission classes are called."""
        auths = super().get_auth()
        if self.method in SAFE_METHODS and not _needs_sign_in(self.view) and {} not in auths:
            auths.append({})
        return auths

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for code in self.error_statuses(operation):
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code)
                # Errors are JSON at every address, the CSV file's too.
                body = next(iter(response["content"].values()))
                response["content"] = {"application/json": body}
                response["description"] = ERROR_STATUSES[code]
                responses[code] = response
        return operation

    def error_statuses(self, operation: dict) -> list[str]:
        """The error statuses this operation can answer, and only those."""
        view = self.view
        writes = self.method not in SAFE_METHODS
        has_body = "requestBody" in operation
        queries = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        codes = ["401"]  # a wrong or revoked token is refused on any operation
        if has_body or queries or writes:
            codes.append("400")  # bodies and query parameters are validated strictly
        if writes or _needs_sign_in(view):
            codes.append("403")
        if "{" in self.path or any(p["name"] == "page" for p in queries):
            codes.append("404")  # nothing at this address, or a page past the last
        if not _own_format(view):
            codes.append("406")  # an Accept header that excludes application/json
        if getattr(view, "may_conflict", False) and writes:
            codes.append("409")
        if has_body:
            codes.append("415")
        if self.method == "POST":
            codes.append("422")
        codes += ["429", "503"]
        return codes


# Permissions that never refuse a read: the rest (signed in, moderators) can answer 403.
READ_OPEN_PERMISSIONS = {
    "AllowAny",
    "IsAuthenticatedOrReadOnly",
    "IsTeamForWrites",
    "CanContribute",
    "TwoFactorForRoles",
    "ObjectRules",
}


def _needs_sign_in(view) -> bool:
    return any(p.__name__ not in READ_OPEN_PERMISSIONS for p in view.permission_classes)


def _own_format(view) -> bool:
    """The results files answer their one format whatever the Accept header says."""
    return view.content_negotiation_class.__name__ == "OwnFormat"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object(
            header_name="AUTHORIZATION", token_prefix="Bearer"
        )
        scheme["description"] = "A personal API token, created at /accounts/tokens/."
        return scheme


# What the API refuses in any text it is sent (Django's forms and DRF's fields alike).
NO_NULL_CHARACTER = "^[^\\u0000]*$"


def _walk(node):
    """Every object in a schema, depth first (the contract tests walk it too)."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _is_free_text(schema: dict) -> bool:
    types = schema.get("type")
    is_string = types == "string" or (isinstance(types, list) and "string" in types)
    return is_string and not ({"enum", "format", "pattern", "readOnly"} & set(schema))


def strict_31(result, generator, request, public):
    """A drf-spectacular postprocessing hook. The few schemas written in OpenAPI 3.0's words
    (DRF's paginators say `nullable: true`) in 3.1's, `type: [..., "null"]`; and the text the
    API accepts (request bodies, query parameters) says it refuses the null character, so a
    client (or schemathesis) knows a refused request from an accepted one by the schema."""
    for node in _walk(result):
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
    inputs = [
        schema
        for name, schema in result.get("components", {}).get("schemas", {}).items()
        if name.endswith("Request")
    ]
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            inputs += [p["schema"] for p in operation.get("parameters", []) if "schema" in p]
    for schema in inputs:
        for node in _walk(schema):
            if _is_free_text(node):
                node["pattern"] = NO_NULL_CHARACTER
    _every_answered_field_required(result)
    return result


def _every_answered_field_required(result) -> None:
    """A serializer writes each of its fields in every answer, but drf-spectacular marks a
    writable field that may be left out of a request (e.g. a preference) as optional in the
    answer too, and a generated client then types it `| Unset`. The answers' components (the
    requests' are the `...Request` ones, COMPONENT_SPLIT_REQUEST) require all their fields."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") or "properties" not in component:
            continue
        component["required"] = list(component["properties"])

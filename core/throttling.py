"""Every "too many requests" answer, built in one place: status 429, a `Retry-After` header
and a sentence saying when to try again, as a page, an htmx fragment or a JSON error body.

The contribution limits (django-ratelimit), the API throttles (DRF, through the API's
exception handler) and the sign-in limits (allauth, accounts.adapter) all answer through here.
"""

import math

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def retry_after_seconds(seconds: float) -> int:
    """Whole seconds, at least one: `Retry-After: 0` would invite an immediate retry."""
    return max(1, math.ceil(seconds))


def wait_message(seconds: float) -> str:
    """When to try again, in words: "Try again in 40 seconds." / "... in 3 minutes." """
    seconds = retry_after_seconds(seconds)
    if seconds < 120:
        return ngettext(
            "Try again in %(count)d second.", "Try again in %(count)d seconds.", seconds
        ) % {"count": seconds}
    if seconds < 2 * 3600:
        minutes = math.ceil(seconds / 60)
        return ngettext(
            "Try again in %(count)d minute.", "Try again in %(count)d minutes.", minutes
        ) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("Try again in %(count)d hour.", "Try again in %(count)d hours.", hours) % {
        "count": hours
    }


def throttled_text(reason: str, seconds: float) -> str:
    """The reason followed by when to try again."""
    return f"{reason} {wait_message(seconds)}"


def mark_throttled(response: HttpResponse, seconds: float) -> HttpResponse:
    """Make a response (a form shown again with its error, say) a 429 with `Retry-After`."""
    response.status_code = 429
    response["Retry-After"] = str(retry_after_seconds(seconds))
    return response


def wants_json(request) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith("/api/") or (
        "application/json" in accept and "text/html" not in accept
    )


def too_many_requests(request, seconds: float, reason: str | None = None) -> HttpResponse:
    """The whole 429 answer for a request: JSON for the API, a fragment for htmx (shown in
    the page's alert area), a page otherwise."""
    message = throttled_text(reason or _("You have sent too many requests."), seconds)
    if wants_json(request):
        body = {"error": {"code": "throttled", "message": message, "fields": {}}}
        response = JsonResponse(body)
    elif getattr(request, "htmx", False):
        response = HttpResponse(render_to_string("_throttled.html", {"message": message}))
        response["HX-Retarget"] = "#alerts"
        response["HX-Reswap"] = "innerHTML"
    else:
        response = HttpResponse(render_to_string("429.html", {"message": message}, request=request))
    return mark_throttled(response, seconds)

"""A database outage answers 503 with Retry-After, not 500: a plain page, or the API's JSON
error under /api/. Nothing here touches the database, the session or the user."""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from api.exceptions import error_body

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(request, exc: BaseException) -> HttpResponse:
    logger.warning("Database unavailable, answering 503 to %s: %s", request.path, exc)
    message = _("The site cannot reach its database just now. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("service_unavailable", message), status=503)
    else:
        # Rendered without the request, so without the context processors (which query).
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


class DatabaseUnavailableMiddleware:
    """A view (or its template) that fails to reach the database answers 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return database_unavailable(request, exception)
        return None


def server_error(request):
    """handler500: the database failing outside a view (a middleware loading the session or
    the user) is a 503 too; anything else is Django's own 500 page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(request, exc)
    return defaults.server_error(request)

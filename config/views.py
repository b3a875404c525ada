import json
import logging

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.celery import app as celery_app
from core import throttling


def _check_database() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"; the message says why
        return f"error: {exc.__class__.__name__}: {exc}"
    return "ok"


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}: {exc}"
    return "ok"


@never_cache
def healthz(request):
    """200 when the database and the Celery broker are both reachable, 503 otherwise."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


csp_logger = logging.getLogger("csp.report")
# A report is a few hundred bytes; anything much larger is not one.
CSP_REPORT_MAX_BYTES = 16 * 1024


@csrf_exempt  # browsers send reports without a CSRF token, and a report changes nothing
@require_POST
def csp_report(request):
    """Log the Content-Security-Policy violations browsers report (`report-uri`), then 204."""
    if int(request.headers.get("Content-Length") or 0) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = json.loads(request.body or b"null")
    except ValueError:
        return HttpResponse(status=400)
    csp_logger.warning("Content-Security-Policy violation: %s", json.dumps(report)[:2000])
    return HttpResponse(status=204)


def too_many_requests(request):
    """allauth's 429 (sign-up, password reset, confirmation e-mails), with Retry-After: its
    longest configured window, the most one might have to wait."""
    durations = [
        rate.duration
        for rates in settings.ACCOUNT_RATE_LIMITS.values()
        for rate in allauth_ratelimit.parse_rates(rates)
    ]
    return throttling.too_many_requests(request, max(durations, default=60))

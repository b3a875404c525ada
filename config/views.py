"""Probes for orchestrators and load balancers (/healthz liveness, /readyz readiness), the
Content-Security-Policy report endpoint and allauth's 429 page."""

import json
import logging
from uuid import uuid4

from allauth.core.internal import ratelimit as allauth_ratelimit
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.celery import app as celery_app
from core import throttling

# The services /readyz names; only the database is required. Pages and the API answer without
# the broker and the cache (README, "When a service is down"), so a load balancer must not
# take every web process out of service when Redis is down.
REQUIRED = ("database",)


def _error(exc: Exception) -> str:
    return f"error: {exc.__class__.__name__}: {exc}"


def _check_database() -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"; the message says why
        return _error(exc)
    return "ok"


def _check_broker() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        return _error(exc)
    return "ok"


def _check_cache() -> str:
    # The cache fails open (a miss when Redis is down), so only a value read back proves it.
    key = f"readyz:{uuid4().hex}"
    try:
        cache.set(key, "ok", 10)
        kept = cache.get(key) == "ok"
        cache.delete(key)
    except Exception as exc:
        return _error(exc)
    return "ok" if kept else "error: the cache did not keep a value (unreachable?)"


@never_cache
def healthz(request):
    """Liveness: this process answers. It checks nothing else, so that an outage of the
    database or of Redis never gets healthy web processes restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """Readiness: the database, the broker and the cache, each named with its state. 503
    (status "unavailable") when a required one fails; 200 with status "degraded" when only
    optional ones do."""
    checks = {"database": _check_database(), "broker": _check_broker(), "cache": _check_cache()}
    failed = {name for name, state in checks.items() if state != "ok"}
    if failed & set(REQUIRED):
        status, code = "unavailable", 503
    else:
        status, code = ("degraded" if failed else "ok"), 200
    return JsonResponse({"status": status, **checks, "required": list(REQUIRED)}, status=code)


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

"""Probes for orchestrators and load balancers: /healthz (liveness) and /readyz (readiness)."""

from uuid import uuid4

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app

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

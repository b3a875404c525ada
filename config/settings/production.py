"""Production: PostgreSQL, Redis, SMTP, HTTPS. Every required variable must be set and
well-formed; otherwise the process stops at start-up with a message naming the variable.

Required: SECRET_KEY, ALLOWED_HOSTS, SITE_URL, DATABASE_URL (PostgreSQL), CELERY_BROKER_URL
(Redis), REDIS_URL (the cache, unless CACHE_URL says otherwise) and EMAIL_URL (SMTP).
With an https:// SITE_URL (a real deployment) HTTP is redirected to HTTPS and the cookies are
secure, and `manage.py check --deploy` reports no issues. An http:// SITE_URL (docker compose
on one machine, no TLS proxy) serves plain HTTP, which `check --deploy` reports."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import MIDDLEWARE, env, redis_cache_fails_open


def _required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (required in production).")
    return value


def _required_url(name: str, schemes: tuple[str, ...]) -> str:
    value = _required(name)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} is malformed: expected a URL like {schemes[0]}://host..., got {value!r}."
        )
    return value


SECRET_KEY = _required("SECRET_KEY")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("SECRET_KEY is too short: use at least 50 random characters.")
DEBUG = False
# No demo logins here, whatever a command is told (accounts.services.demo_users_ensure).
DEMO_USERS_ALLOWED = False
if env.bool("DEBUG", default=False):
    raise ImproperlyConfigured("DEBUG must not be true in production.")

ALLOWED_HOSTS = [h.strip() for h in _required("ALLOWED_HOSTS").split(",") if h.strip()]
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is malformed: name at least one host.")
SITE_URL = _required_url("SITE_URL", ("https", "http")).rstrip("/")
_HTTPS = SITE_URL.startswith("https://")
# Links in allauth's e-mails (confirmation, password reset) use SITE_URL's scheme.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if _HTTPS else "http"
_required_url("DATABASE_URL", ("postgres", "postgresql", "pgsql", "postgis"))
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
CELERY_BROKER_URL = _required_url("CELERY_BROKER_URL", ("redis", "rediss"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CACHES = redis_cache_fails_open(
    {"default": env.cache("CACHE_URL", default=_required_url("REDIS_URL", ("redis", "rediss")))}
)
vars().update(
    env.email("EMAIL_URL", default=_required_url("EMAIL_URL", ("smtp", "smtp+tls", "smtp+ssl")))
)

# Static files: the image's `collectstatic` writes them with content-hashed names and gzip
# copies, and WhiteNoise (base.py's middleware) serves them from STATIC_ROOT with far-future
# cache headers.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTML and JSON compressed (static files come compressed already): the recommendation list
# goes from 23 KB to about 4 KB. BREACH: Django masks the CSRF token afresh in every response,
# so compression does not leak it (README, design notes).
MIDDLEWARE = [
    *MIDDLEWARE[:1],  # the database-outage middleware answers first, uncompressed
    "django.middleware.gzip.GZipMiddleware",
    *MIDDLEWARE[1:],
]

CSRF_TRUSTED_ORIGINS = [SITE_URL]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

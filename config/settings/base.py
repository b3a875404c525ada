"""Settings shared by every environment, read from environment variables.

The defaults describe the *embedded* set-up that `make run` uses on a bare machine:
SQLite under var/, Celery on kombu's filesystem transport, a file-based cache and
every e-mail written as an .eml file under var/mail/. Production (production.py)
refuses to start unless each of these is set explicitly and well-formed.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
# The embedded default keeps its SQLite file, mail, cache and queue here; a fresh clone lacks it.
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="insecure-embedded-default-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "csp",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "core",
    "notifications",
    # Before accounts: its create_demo_users (with --sample-responses) extends accounts' own.
    "responses",
    "accounts",
    "recommendations",
    "consultation",
    "moderation",
    "api",
    "results",
    "digests",
]

MIDDLEWARE = [
    # A database outage answers 503 (config.urls.handler500 covers what middleware raises).
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves /static/ from STATIC_ROOT under gunicorn (production.py stores it compressed
    # and with hashed names, so that it can be cached for ever).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A successful unsafe request replaces the public content's version (ETags, 304s).
    "core.versioning.ContentVersionMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response of the site (static
    # files run nothing; Referrer-Policy and Cross-Origin-Opener-Policy come from
    # SecurityMiddleware, settings below).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.RequireMFAForRolesMiddleware",
    # POSTs under /api/ with an Idempotency-Key header: a retry gets the first response.
    "api.idempotency.IdempotencyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "digests.context_processors.notifications",
                "recommendations.context_processors.nav",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# A strict Content-Security-Policy (django-csp): scripts and styles only from our own origin
# or carrying the response's nonce; no inline handlers, no style attributes, no eval. htmx is
# configured for it in base.html (no injected indicator styles, no eval). Browsers report
# violations to config.views.csp_report, which logs them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": ["/csp-report/"],
    },
}
# Django's SecurityMiddleware sets these two on every response.
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# django-permissions-policy: the page uses none of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, worker and beat share one SQLite file: wait for the lock instead of failing, and
    # use the write-ahead log, so that readers never wait for a writer and a commit does not
    # wait for the disk (a crash of the machine may lose the last commits, never corrupt).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: it starts on the planner's cost estimate, and for the pages' short
    # index-driven reads (the report's per-group probes) compiling takes longer, up to a
    # second, than running them.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# The Retry-After (seconds) of the 503 that a database outage answers (config.middleware).
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DATABASE_UNAVAILABLE_RETRY_AFTER", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_cache_fails_open(caches: dict) -> dict:
    """The cache is optional: with django-redis (what django-environ picks for redis:// URLs)
    an unreachable Redis is a miss (DJANGO_REDIS_IGNORE_EXCEPTIONS below), found out within a
    second, so pages, rate limits and throttles carry on without it (README, design notes)."""
    for cache in caches.values():
        if cache["BACKEND"] == "django_redis.cache.RedisCache":
            options = cache.setdefault("OPTIONS", {})
            options.setdefault("SOCKET_CONNECT_TIMEOUT", 1)
            options.setdefault("SOCKET_TIMEOUT", 1)
    return caches


CACHES = redis_cache_fails_open(
    {"default": env.cache("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
)
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "config.cache"  # one warning line per call (config.logging)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    # Refused before hashing: sign-up, change and reset validate first; sign-in checks the
    # length in accounts.adapter before the hasher sees it.
    {"NAME": "accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# django-ratelimit: contributions are limited per person (see consultation/ratelimits.py).
# Without the cache the counts are unknown: let the contribution through (fail open).
RATELIMIT_FAIL_OPEN = True
RATELIMIT_RATES = {
    "comment": env.str("RATELIMIT_COMMENT", default="10/m"),
    "amendment": env.str("RATELIMIT_AMENDMENT", default="5/h"),
}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: the e-mail address is the login and must be verified (by a link) before
# the person can sign in; reading stays open to everyone.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
# Confirming the address signs the person in (in the browser they signed up in) and takes them
# back to the page they signed up from (the sign-up's `next`, kept with the pending sign-in).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Plant to patient] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = SITE_URL.split(":", 1)[0]
# Failed sign-ins: allauth limits each client address (any account) to 10 a minute;
# accounts.login_throttle slows each (account, address) pair down with growing delays and caps
# an account's failures at 100 an hour, past which a one-time code sent by e-mail signs in.
# Nothing here locks an account: an attacker's failures never keep the owner out.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Sign-up and password reset answer the same whether or not the address is registered.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Plant to patient"
# Moderators and consultation admins must have two-factor authentication before they act.
MFA_REQUIRED_PATH_PREFIXES = ["/admin/", "/moderation/", "/invitations/"]
# `make run`'s demo logins (create_demo_users): never with the production settings.
DEMO_USERS_ALLOWED = True
# When a person deletes their account: keep their positions (under "Former participant"),
# as their comments and amendments are kept, or delete them (README, design notes).
# The largest seed file the import command and the admin upload accept (bytes).
SEED_MAX_BYTES = env.int("SEED_MAX_BYTES", default=5 * 1024 * 1024)
DELETED_ACCOUNTS_KEEP_POSITIONS = env.bool("DELETED_ACCOUNTS_KEEP_POSITIONS", default=True)
# Opinion groups (results/opinions/): a participant counts with at least this many positions;
# a group needs at least this many people (never fewer than 5, for privacy).
OPINION_GROUPS_MIN_POSITIONS = env.int("OPINION_GROUPS_MIN_POSITIONS", default=3)
OPINION_GROUPS_MIN_GROUP_SIZE = env.int("OPINION_GROUPS_MIN_GROUP_SIZE", default=5)

LANGUAGE_CODE = "en"
# The interface speaks Belgium's three languages and English; contributions stay in the
# language they were written in.
LANGUAGES = [
    ("en", "English"),
    ("nl", "Nederlands"),
    ("fr", "Français"),
    ("de", "Deutsch"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Templates name their date formats (DATE_FORMAT, ...); each language writes them its way.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
# Files browsers and crawlers ask for at the site's root (/favicon.ico, /robots.txt, the touch
# icon): WhiteNoise serves them from here, as it serves /static/.
WHITENOISE_ROOT = BASE_DIR / "config" / "public"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "/media/"

# E-mail: EMAIL_URL (smtp://user:password@host:587/?tls=True) in production; by default
# each message is written as its own .eml file, which a person or a test can open.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email("EMAIL_URL"))
else:
    EMAIL_BACKEND = "config.mail.EmlFileBackend"
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Plant to patient <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; kombu's filesystem transport by default, which needs no server
# and is shared by every process on this machine through var/celery/.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a task while the broker is down waits at most this long (seconds)
# before config.celery.Task logs the failure and lets the request succeed.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BEAT_SCHEDULER = "config.beat:HeartbeatScheduler"
# Touched by beat at each tick; compose's health check of beat reads its age.
BEAT_HEARTBEAT_FILE = env.str("BEAT_HEARTBEAT_FILE", default=str(VAR_DIR / "beat-heartbeat"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"cache_unavailable": {"()": "config.logging.CacheUnavailable"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"config.cache": {"filters": ["cache_unavailable"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The REST API (/api/, api/router.py): personal tokens or the session (with CSRF),
# anonymous reads of published content, one error body, throttles per person and per address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only: each request body is declared once in the schema (a client generated from it
    # gets one body type per write), and any other Content-Type is a 415 with the error body.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="600/min"),
    },
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_METADATA_CLASS": "api.metadata.MinimalMetadata",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Plant to patient API",
    "DESCRIPTION": (
        "The consultation's recommendations and the dialogue around them. Reading published "
        "content needs no account; writing needs a session (with its CSRF token) or a personal "
        "API token (`Authorization: Bearer <key>`, created at /accounts/tokens/). Request bodies "
        "are JSON only (`Content-Type: application/json`; anything else is a 415). Every error "
        'answers `{"error": {"code", "message", "fields", "codes"}}`.'
    ),
    "VERSION": "1.0.0",
    # OpenAPI 3.1: a nullable nested object is `oneOf: [{$ref}, {type: "null"}]`, which strict
    # validators and generated clients read as meant (3.0's `nullable` beside `allOf` is not).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.strict_31",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RecommendationStatusEnum": "recommendations.models.Recommendation.Status",
        "AmendmentStatusEnum": "consultation.models.Amendment.Status",
        "NotificationKindEnum": "notifications.models.Notification.Kind",
        "ContentKindEnum": "api.serializers.KIND_CHOICES",
        "ModerationStateEnum": "consultation.models.ModerationState",
        "ReportReasonEnum": "consultation.models.ReportReason",
    },
}

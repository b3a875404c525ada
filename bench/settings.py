"""Settings for `python -m bench`: the local settings on a database of the bench's own.

The runner (bench/__main__.py) names the database in BENCH_DATABASE before Django starts;
gunicorn, started by the runner, inherits it and so serves the same data.
"""

import os

from config.settings.local import *  # noqa: F403
from config.settings.local import MIDDLEWARE, VAR_DIR, env

BENCH_DIR = VAR_DIR / "bench"
BENCH_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECRET_KEY = "bench-secret-key-not-for-production"

_url = os.environ.get("DATABASE_URL", "")
if _url and not _url.startswith("sqlite"):
    DATABASES = {"default": env.db_url_config(_url)}
    DATABASES["default"]["NAME"] = os.environ.setdefault(
        "BENCH_DATABASE", f"bench_plant_to_patient_{os.getpid()}"
    )
    # As in production: one connection per worker, kept between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}  # as config.settings.base
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.setdefault("BENCH_DATABASE", str(BENCH_DIR / "bench.sqlite3")),
            # As the embedded default (config/settings/base.py) has it.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# Nothing is queued or cached across runs: the health check's broker is in memory.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# First, so that its time covers every other middleware too.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

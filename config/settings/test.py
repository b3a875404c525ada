"""Settings for `make test`: the embedded default unless DATABASE_URL / CELERY_BROKER_URL say
otherwise (.ci/run runs the suite a second time on PostgreSQL and Redis)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR, env

SECRET_KEY = "test-secret-key-not-for-production"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The tests run no collectstatic: WhiteNoise finds /static/ through the finders, as in
# development, rather than warning on every request that STATIC_ROOT is empty.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Each run gets its own test database so that concurrent runs never collide. SQLite gets a
# file (not :memory:) so that a real Celery worker and the live server share it with the tests.
# Subprocesses the tests start (a Celery worker, beat) inherit the id and so find the same
# database and queue.
_run = os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))
# Under pytest-xdist each test process has a database and queue of its own (pytest-django
# suffixes the database name too; a worker the tests start is given the database's URL).
if os.environ.get("PYTEST_XDIST_WORKER"):
    _run = f"{_run}_{os.environ['PYTEST_XDIST_WORKER']}"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{_run}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_plant_to_patient_{_run}"}

# A private filesystem queue per run, so that a worker started by one run never takes
# another run's messages.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = VAR_DIR / f"celery-test-{_run}"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "store_processed": False,
        "control_folder": str(_queue / "control"),
    }
# On a shared Redis, a queue of the run's own keeps concurrent runs' workers apart.
CELERY_TASK_DEFAULT_QUEUE = f"test-{_run}"

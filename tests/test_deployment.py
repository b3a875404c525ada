"""The deployment: docker-compose.yml against the Compose specification, every container's
command against the code it starts, the Dockerfile's build step, and the production settings
(`check --deploy`, and a clear stop for each missing or malformed variable)."""

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import wsgiref.util
import wsgiref.validate
from importlib import import_module
from pathlib import Path

import click
import pytest
import yaml
from celery.app.utils import find_app
from celery.beat import Scheduler
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from celery.utils.imports import symbol_by_name
from django.conf import settings
from django.core import signals
from django.core.management import get_commands, load_command_class
from django.db import OperationalError, close_old_connections, connections
from gunicorn.config import Config as GunicornConfig

import config.celery

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
BIN = Path(sys.executable).parent

# The variables production.py refuses to start without (the README says the same).
REQUIRED = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "EMAIL_URL",
)
SECRET_KEY = "k3Y-" + "x7Qz9pL2vB8nW4rT6yU1" * 3  # 64 characters, varied
# A well-formed production environment; the services are the local ones CI starts, though
# `check --deploy` connects to none of them.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": SECRET_KEY,
    "ALLOWED_HOSTS": "consult.example.org",
    "SITE_URL": "https://consult.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://127.0.0.1:1025",
}
# Removed from the inherited environment, so that a subprocess sees only what a test gives it.
SETTINGS_VARIABLES = {
    *REQUIRED,
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "CACHE_URL",
    "DEFAULT_FROM_EMAIL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "CONN_MAX_AGE",
    # Set by tests/browser/conftest.py for Playwright's event loop; check --deploy rightly
    # refuses it (async.E001), and no deployment sets it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _environ(**variables: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return {**base, **variables}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], env)


# --- reading docker-compose.yml and the Dockerfile -------------------------------------------

_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default}, ${NAME:?error} and $$, as `docker compose` does."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1) or match.group(4)
        operator, argument = match.group(2), match.group(3)
        value = env.get(name)
        unset = value is None or (value == "" and operator and operator.startswith(":"))
        if operator and operator.endswith("-") and unset:
            return argument
        if operator and operator.endswith("?") and unset:
            raise ValueError(f"{name}: {argument}")
        return value or ""

    return _VARIABLE.sub(substitute, value)


def _compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def _project_services() -> dict[str, dict]:
    """The services that run this project's image (those built from the Dockerfile)."""
    return {name: s for name, s in _compose()["services"].items() if "build" in s}


def _service_environment(name: str, **given: str) -> dict[str, str]:
    environment = _compose()["services"][name]["environment"]
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: _interpolate(str(value), given) for key, value in environment.items()}


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    lines = [ln for ln in DOCKERFILE.read_text().splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def _dockerfile_cmd() -> list[str]:
    return json.loads([args for kw, args in _dockerfile() if kw == "CMD"][-1])


def _command(service: dict) -> list[str]:
    command = service.get("command", _dockerfile_cmd())
    return shlex.split(command) if isinstance(command, str) else [str(c) for c in command]


def _simple_commands(argv: list[str]) -> list[list[str]]:
    """`sh -c "a && b && exec c"` → [a, b, c]; anything else is one command."""
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    lexer = shlex.shlex(argv[2], posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, current = [], []
    for token in lexer:
        if token in ("&&", ";"):
            commands.append(current)
            current = []
        else:
            current.append(token)
    commands.append(current)
    return [c[1:] if c[0] == "exec" else c for c in commands]


def _entry_points() -> list:
    params = []
    for name, service in _project_services().items():
        for argv in _simple_commands(_command(service)):
            params.append(pytest.param(name, argv, id=f"{name}:{' '.join(argv[:3])}"))
    for argv in _simple_commands(_dockerfile_cmd()):
        params.append(pytest.param("Dockerfile CMD", argv, id=f"Dockerfile CMD:{argv[0]}"))
    params.append(
        pytest.param("worker healthcheck", _worker_healthcheck(), id="worker:healthcheck")
    )
    return params


def _worker_healthcheck() -> list[str]:
    """The worker's health check as the container's shell runs it (compose turns $$ into $)."""
    kind, line = _project_services()["worker"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    return shlex.split(line.replace("$$HOSTNAME", "worker-host"))


def _gunicorn_app(argv: list[str]) -> str:
    """The APP_MODULE of a gunicorn command line, found by gunicorn's own parser."""
    parsed = GunicornConfig(prog="gunicorn").parser().parse_args(argv[1:])
    assert len(parsed.args) == 1, f"one module:attr expected in {argv}"
    return parsed.args[0]


# --- the compose file ------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_specification(tmp_path):
    # check-jsonschema bundles the Compose spec's schema: this needs no network.
    result = _run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", COMPOSE_FILE],
        _environ(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout

    # ...and it does reject what the specification does not allow.
    broken = _compose()
    broken["services"]["web"]["depends_on"]["postgres"]["condition"] = "service_ready"
    broken["services"]["worker"]["restart_policy"] = "always"
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(broken))
    result = _run(
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(tmp_path / "docker-compose.yml"),
        ],
        _environ(),
    )
    assert result.returncode == 1
    assert "service_ready" in result.stdout and "restart_policy" in result.stdout


def test_compose_runs_the_services_each_waiting_for_the_health_of_what_it_needs():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "mailpit", "setup", "web", "worker", "beat"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["mailpit"]["image"].startswith("axllent/mailpit:")
    assert "127.0.0.1:8025:8025" in services["mailpit"]["ports"]
    assert "8000-8009:8000" in services["web"]["ports"]  # --scale web=N: one port each
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    # The worker answers a ping through the broker under its own node name.
    ping = _worker_healthcheck()
    assert ping[:5] == ["celery", "-A", "config", "inspect", "ping"]
    assert ping[ping.index("--destination") + 1] == "celery@worker-host"

    # The project services share one image, built from the Dockerfile.
    project = _project_services()
    assert set(project) == {"setup", "web", "worker", "beat"}
    assert len({s["image"] for s in project.values()}) == 1
    assert all(s["build"]["dockerfile"] == "Dockerfile" for s in project.values())

    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            if dependency == "setup":  # the one-shot: waited for until it has exited 0
                assert condition == {"condition": "service_completed_successfully"}, name
                continue
            assert condition == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in services[dependency], f"{name} waits on {dependency}"
    for name in project:
        assert {"postgres", "redis", "mailpit"} <= set(project[name]["depends_on"])
    # worker and beat start once web has migrated the database (web is healthy then).
    assert "web" in project["worker"]["depends_on"]
    assert "web" in project["beat"]["depends_on"]
    # Each long-running project service is restarted when it dies and has a health check;
    # the one-shot setup runs once and is not restarted.
    assert project["setup"]["restart"] == "no"
    for name, service in project.items():
        if name == "setup":
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name


def test_a_one_shot_setup_migrates_and_imports_then_web_only_serves():
    project = _project_services()
    commands = _simple_commands(_command(project["setup"]))
    assert [c[:3] for c in commands] == [
        ["python", "manage.py", "migrate"],
        ["python", "manage.py", "seed_recommendations"],
    ]
    assert "--noinput" in commands[0]
    assert project["setup"]["restart"] == "no"
    assert project["web"]["depends_on"]["setup"] == {"condition": "service_completed_successfully"}
    # A restart of web runs its command only: gunicorn, no migration, no import.
    [web] = _simple_commands(_command(project["web"]))
    assert web[0] == "gunicorn"
    assert _gunicorn_app(web) == "config.wsgi:application"
    assert "0.0.0.0:8000" in web
    assert project["web"]["restart"] == "unless-stopped"

    worker = _command(_project_services()["worker"])
    assert worker[:4] == ["celery", "-A", "config", "worker"]
    # As the Procfile's worker (tests/test_worker_outages.py runs that one through outages).
    assert {"--without-gossip", "--without-mingle"} <= set(worker)
    beat = _command(_project_services()["beat"])
    assert beat[:4] == ["celery", "-A", "config", "beat"]
    assert beat[beat.index("--scheduler") + 1] == "config.beat:HeartbeatScheduler"


@pytest.mark.parametrize(("service", "argv"), _entry_points())
def test_each_command_the_image_runs_is_a_real_entry_point(service, argv):
    program, args = argv[0], argv[1:]
    if program == "python" and args[:1] == ["manage.py"]:
        name, options = args[1], args[2:]
        assert name in get_commands(), f"{service}: no management command {name!r}"
        command = load_command_class(get_commands()[name], name)
        command.create_parser("manage.py", name).parse_args(options)  # raises on bad options

    elif program == "gunicorn":
        # gunicorn itself parses the options and imports the application, under the very
        # environment compose gives the container.
        env = _environ(**_service_environment("web", SECRET_KEY=SECRET_KEY))
        result = _run([sys.executable, "-m", "gunicorn", "--check-config", *args], env)
        assert result.returncode == 0, result.stdout + result.stderr
        module, _, attribute = _gunicorn_app(argv).partition(":")
        assert callable(getattr(import_module(module), attribute))

    elif program == "celery":
        context = celery_cli.make_context("celery", list(args))
        subcommand = args[len(args) - len(context.args) - 1]
        assert subcommand in celery_cli.commands, f"{service}: no celery command {subcommand!r}"
        app = find_app(context.params["app"])
        assert app is config.celery.app
        context.obj = CLIContext(app=app, no_color=True, workdir=None, quiet=True)
        try:
            sub = celery_cli.commands[subcommand].make_context(
                subcommand, list(context.args), parent=context
            )
        except click.ClickException as exc:
            pytest.fail(f"{service}: celery {subcommand}: {exc.format_message()}")
        if sub.params.get("scheduler"):
            assert issubclass(symbol_by_name(sub.params["scheduler"]), Scheduler)

    else:
        pytest.fail(f"{service}: {program!r} is not a known entry point; add a check for it")


@pytest.mark.django_db
def test_the_gunicorn_application_is_a_wsgi_application_serving_readyz():
    module, _, attribute = _gunicorn_app(_dockerfile_cmd()).partition(":")
    # wsgiref's validator asserts that the application and its response follow PEP 3333.
    application = wsgiref.validate.validator(getattr(import_module(module), attribute))
    environ = {"PATH_INFO": "/readyz", "SCRIPT_NAME": "", "QUERY_STRING": ""}
    wsgiref.util.setup_testing_defaults(environ)
    started = {}

    def start_response(status, headers, exc_info=None):
        started.update(status=status, headers=dict(headers))
        return lambda data: None

    # As Django's test client does: the test's transaction must outlive the "request".
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert started["status"] == "200 OK"
    assert started["headers"]["Content-Type"] == "application/json"
    assert json.loads(body) == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "required": ["database"],
    }


def _web_healthcheck(url: str) -> subprocess.CompletedProcess:
    test = _compose()["services"]["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8000/readyz" in test[3]
    script = test[3].replace("http://127.0.0.1:8000", url)
    return _run([sys.executable, "-c", script], _environ(ALLOWED_HOSTS="localhost,127.0.0.1"))


# serialized_rollback, as in test_health_and_celery.py: the data migrations' rows come back
# after this test, for the tests that need them.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_web_healthcheck_passes_on_a_healthy_server_and_fails_on_a_503(
    live_server, monkeypatch
):
    assert _web_healthcheck(live_server.url).returncode == 0

    # The database unreachable (for the server's thread too): /readyz answers 503.
    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refuse)
    result = _web_healthcheck(live_server.url)
    assert result.returncode != 0
    assert "503" in result.stderr


# --- the environment compose gives the project's containers --------------------------------

# Imports the settings with os.environ recording every variable read, and prints them.
_RECORD_READS = """
import json, os
import config  # the Celery app: not the settings
reads = set()
getitem = os._Environ.__getitem__
def recording(self, key):
    reads.add(key)
    return getitem(self, key)
os._Environ.__getitem__ = recording
from django.conf import settings
settings.INSTALLED_APPS
print(json.dumps(sorted(reads)))
"""


def test_every_variable_compose_sets_is_read_by_the_production_settings():
    environments = {
        name: _service_environment(name, SECRET_KEY=SECRET_KEY) for name in _project_services()
    }
    web = environments["web"]
    assert environments["worker"] == web and environments["beat"] == web
    assert web["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert set(REQUIRED) <= set(web), f"missing: {set(REQUIRED) - set(web)}"
    assert web["EMAIL_URL"] == "smtp://mailpit:1025"

    result = _run([sys.executable, "-c", _RECORD_READS], _environ(**web))
    assert result.returncode == 0, result.stderr
    read = set(json.loads(result.stdout.splitlines()[-1]))
    assert set(web) - read == set(), "set by compose but read by no setting"


def test_composes_environment_passes_check_deploy_once_the_site_is_https():
    environment = _service_environment(
        "web",
        SECRET_KEY=SECRET_KEY,
        SITE_URL="https://consult.example.org",
        ALLOWED_HOSTS="consult.example.org",
    )
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_environ(**environment))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


# --- the Dockerfile --------------------------------------------------------------------------


def test_the_dockerfile_installs_with_the_constraints_and_runs_as_a_user_of_its_own():
    instructions = _dockerfile()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [args for kw, args in instructions if kw == "RUN"]
    assert "pip install -c constraints.txt ." in runs
    users = [(i, args) for i, (kw, args) in enumerate(instructions) if kw == "USER"]
    assert users and users[-1][1] not in ("root", "0"), "the container must not run as root"
    last_run = max(i for i, (kw, _) in enumerate(instructions) if kw == "RUN")
    assert users[-1][0] > last_run
    # No secret in the image's environment: the build-time key lives in one RUN only.
    env_lines = " ".join(args for kw, args in instructions if kw in ("ENV", "ARG"))
    assert "SECRET_KEY" not in env_lines
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var", "tests"} <= set(ignored)


def test_the_dockerfile_collectstatic_step_works_with_its_build_time_values(tmp_path):
    instructions = _dockerfile()
    image_env = {}
    for keyword, args in instructions:
        if keyword == "ENV":
            image_env.update(part.split("=", 1) for part in shlex.split(args))
    step = next(args for kw, args in instructions if kw == "RUN" and "collectstatic" in args)
    tokens = shlex.split(step)
    command = tokens[: tokens.index("&&")] if "&&" in tokens else tokens
    assignments = {}
    while "=" in command[0]:
        name, _, value = command.pop(0).partition("=")
        assignments[name] = value
    assert "SECRET_KEY" in assignments
    # The placeholders may serve several commands at once: `sh -c "a && b"`.
    command = next(c for c in _simple_commands(command) if "collectstatic" in c)
    assert command == ["python", "manage.py", "collectstatic", "--noinput"]

    # The image's paths (/app/...) moved to this machine's.
    env = _environ(
        **{
            **image_env,
            **assignments,
            "PYTHONPATH": str(ROOT),
            "VAR_DIR": str(tmp_path / "var"),
            "STATIC_ROOT": str(tmp_path / "static"),
        }
    )
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    result = _run([sys.executable, *command[1:]], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "css" / "site.css").is_file()
    assert list((tmp_path / "static" / "vendor" / "htmx").rglob("*.js"))
    assert (tmp_path / "static" / "admin" / "css" / "base.css").is_file()


def test_gunicorn_and_whitenoise_are_pinned_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = dict(d.split("==") for d in pyproject["project"]["dependencies"])
    constraints = dict(
        line.split("==") for line in (ROOT / "constraints.txt").read_text().split() if "==" in line
    )
    assert pins["gunicorn"] == constraints["gunicorn"]
    assert pins["whitenoise"] == constraints["whitenoise"]


# Under the production settings: the middleware order and storage, the hashed URL a template
# gets, and that response to it, through the whole middleware stack (gunicorn serves nothing
# itself). WhiteNoise answers before any middleware that would touch the database.
_SERVE_STATIC = """
import django, json
django.setup()
from django.conf import settings
from django.templatetags.static import static
from django.test import Client
url = static("css/site.css")
response = Client().get(url, headers={"Host": "consult.example.org"}, secure=True)
body = b"".join(response.streaming_content) if response.streaming else response.content
print(json.dumps({
    "middleware": settings.MIDDLEWARE,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"],
    "url": url,
    "status": response.status_code,
    "cache_control": response.headers.get("Cache-Control", ""),
    "body": body.decode(),
}))
"""


def test_production_serves_collected_static_files_through_whitenoise(tmp_path):
    env = _environ(
        **PRODUCTION_ENV, VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(tmp_path / "static")
    )
    result = _manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    static_root = tmp_path / "static"
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/site.css"]
    assert hashed != "css/site.css" and (static_root / hashed).is_file()
    assert (static_root / f"{hashed}.gz").is_file()

    result = _run([sys.executable, "-c", _SERVE_STATIC], env)
    assert result.returncode == 0, result.stdout + result.stderr
    served = json.loads(result.stdout.splitlines()[-1])
    middleware = served["middleware"]
    security = middleware.index("django.middleware.security.SecurityMiddleware")
    assert middleware[security + 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    assert served["storage"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert served["url"] == f"/static/{hashed}"
    assert served["status"] == 200
    assert "immutable" in served["cache_control"]
    assert served["body"] == (static_root / hashed).read_text()


# Under the production settings a page goes out gzip-compressed to a client that accepts it
# (the API's schema: served without the database).
_SERVE_COMPRESSED = """
import django, gzip, json
django.setup()
from django.conf import settings
from django.test import Client
client = Client(headers={"Host": "consult.example.org"})
plain = client.get("/api/schema/?format=json", secure=True)
packed = client.get("/api/schema/?format=json", secure=True, headers={"Accept-Encoding": "gzip"})
print(json.dumps({
    "middleware": settings.MIDDLEWARE,
    "status": packed.status_code,
    "encoding": packed.headers.get("Content-Encoding", ""),
    "vary": packed.headers.get("Vary", ""),
    "plain": plain.headers.get("Content-Encoding", ""),
    "text": gzip.decompress(packed.content).decode() if packed.content[:2] == b"\\x1f\\x8b" else "",
}))
"""


def test_production_compresses_pages():
    result = _run([sys.executable, "-c", _SERVE_COMPRESSED], _environ(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    served = json.loads(result.stdout.splitlines()[-1])
    assert served["middleware"][1] == "django.middleware.gzip.GZipMiddleware"
    assert served["status"] == 200 and served["encoding"] == "gzip"
    assert "Accept-Encoding" in served["vary"] and served["plain"] == ""
    assert '"openapi"' in served["text"]


# --- the production settings -----------------------------------------------------------------


def test_production_settings_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_environ(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


_PRINT_SECURITY = """
import django, json
django.setup()
from django.conf import settings as s
print(json.dumps([s.ACCOUNT_DEFAULT_HTTP_PROTOCOL, s.SECURE_SSL_REDIRECT,
                  s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_TRUSTED_ORIGINS]))
"""


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("https://consult.example.org/", ["https", True, True, True]),
        ("http://localhost:8000", ["http", False, False, False]),
    ],
)
def test_the_site_urls_scheme_sets_https_links_redirects_and_secure_cookies(site_url, expected):
    env = _environ(**{**PRODUCTION_ENV, "SITE_URL": site_url})
    result = _run([sys.executable, "-c", _PRINT_SECURITY], env)
    assert result.returncode == 0, result.stderr
    *security, origins = json.loads(result.stdout.splitlines()[-1])
    assert security == expected
    assert origins == [site_url.rstrip("/")]


def _stops_naming(result: subprocess.CompletedProcess, variable: str) -> None:
    assert result.returncode != 0
    # The message itself (the traceback's last line) names the variable, not just the source.
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    assert variable in message


@pytest.mark.parametrize("variable", REQUIRED)
def test_production_stops_without_each_required_variable(variable):
    env = _environ(**PRODUCTION_ENV)
    del env[variable]
    _stops_naming(_manage("check", "--deploy", env=env), variable)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SECRET_KEY", "too-short"),
        ("SECRET_KEY", "ab" * 30),
        ("SECRET_KEY", "   "),
        ("DATABASE_URL", "sqlite:///var/db.sqlite3"),
        ("DATABASE_URL", "mysql://user@db/name"),
        ("SITE_URL", "consult.example.org"),
        ("SITE_URL", "ftp://consult.example.org"),
        ("ALLOWED_HOSTS", ""),
        ("ALLOWED_HOSTS", " , "),
        ("CELERY_BROKER_URL", "filesystem://"),
        ("REDIS_URL", "locmemcache://"),
        ("EMAIL_URL", "consolemail://"),
        ("DEBUG", "true"),
    ],
)
def test_production_stops_on_a_malformed_variable(variable, value):
    env = _environ(**{**PRODUCTION_ENV, variable: value})
    _stops_naming(_manage("check", "--deploy", env=env), variable)


def _beat_healthcheck(heartbeat: Path) -> subprocess.CompletedProcess:
    test = _compose()["services"]["beat"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"]
    # The image's /app is the project folder: the file is the setting's default there.
    default = Path("/app") / Path(settings.BEAT_HEARTBEAT_FILE).relative_to(ROOT)
    assert f'"{default}"' in test[3]
    return _run([sys.executable, "-c", test[3].replace(str(default), str(heartbeat))], _environ())


def test_the_beat_healthcheck_passes_on_a_fresh_heartbeat_and_fails_on_a_stale_or_none(
    tmp_path,
):
    heartbeat = tmp_path / "beat-heartbeat"
    assert _beat_healthcheck(heartbeat).returncode != 0  # beat never ticked
    heartbeat.touch()
    assert _beat_healthcheck(heartbeat).returncode == 0
    os.utime(heartbeat, (0, os.path.getmtime(heartbeat) - 120))
    assert _beat_healthcheck(heartbeat).returncode != 0

"""The layers hold (import-linter checks the imports themselves, in `make lint`): no project
import hidden in a function, no model looked up by name to dodge an import, every port has its
implementation, every model holding personal data has its app's privacy hook, and the moved
models kept their tables, content types and task names."""

import ast
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType

from core import checks, hooks, privacy
from notifications.models import Notification, NotificationEmail
from notifications.tasks import send_notification_email

ROOT = Path(__file__).resolve().parent.parent
APPS = sorted({*privacy.PROJECT_APPS, "config"})


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _imports_in_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (
                inner.level or (inner.module or "").split(".")[0] in APPS
            ):
                found.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
            elif isinstance(inner, ast.Import):
                found += [
                    f"{path.relative_to(ROOT)}:{inner.lineno}"
                    for alias in inner.names
                    if alias.name.split(".")[0] in APPS
                ]
    return found


def test_no_project_import_is_hidden_in_a_function_outside_apps_py():
    hidden = [
        where
        for path in _modules()
        if path.name != "apps.py"
        for where in _imports_in_functions(path)
    ]
    assert hidden == []


def test_no_model_is_looked_up_by_name_to_dodge_an_import():
    assert [str(p.relative_to(ROOT)) for p in _modules() if "get_model(" in p.read_text()] == [
        "core/privacy.py"  # the registry's own check: every model with a user foreign key
    ]


def test_every_port_has_its_implementation():
    assert checks.ports_implemented() == []


def test_a_port_nobody_implements_fails_the_system_check():
    port = hooks.Port("tests.unimplemented")
    try:
        assert [e.id for e in checks.ports_implemented()] == ["core.E001"]
    finally:
        del hooks.PORTS[port.name]


def test_every_model_with_personal_data_has_a_privacy_hook(monkeypatch):
    assert checks.personal_data_covered() == []
    # Without the dialogue's privacy.py, its models are named.
    monkeypatch.setattr(
        privacy, "HOOKS", [h for h in privacy.HOOKS if not h.models[0].startswith("consultation")]
    )
    missing = {e.msg.split(" ")[0] for e in checks.personal_data_covered()}
    assert {"consultation.Comment", "consultation.Follow"} <= missing


@pytest.mark.django_db
def test_the_moved_models_keep_their_tables_content_types_and_task_name():
    assert Notification._meta.db_table == "consultation_notification"
    assert NotificationEmail._meta.db_table == "digests_notificationemail"
    assert ContentType.objects.get_for_model(Notification).app_label == "notifications"
    assert not ContentType.objects.filter(app_label="consultation", model="notification").exists()
    # Messages queued before the move still find their task.
    assert send_notification_email.name == "digests.tasks.send_notification_email"


def test_no_module_of_the_apps_is_over_500_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _modules()
        if (n := len(path.read_text().splitlines())) > 500
    }
    assert long == {}

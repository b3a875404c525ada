"""The privacy registry: each app's privacy.py says what it holds about a person, for
"Download my data" (GDPR art. 15 and 20) and for deleting an account, about its own models
only. CoreConfig.ready() imports every app's privacy.py, as the admin does its admin.py, and a
system check (core.checks) fails if a model with a foreign key to the user is in none.

    privacy.register(
        models=["consultation.Follow", ...],   # the models whose personal data it covers
        export=lambda user: {"follows": [...]},  # keys of the download
        erase=lambda user: ...,                # in the deletion's transaction
    )
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings


@dataclass
class Hook:
    models: list[str]
    export: Callable[[Any], dict[str, Any]] | None = None
    erase: Callable[[Any], None] | None = None
    order: int = field(default=0)


HOOKS: list[Hook] = []


def register(
    *,
    models: list[str],
    export: Callable[[Any], dict[str, Any]] | None = None,
    erase: Callable[[Any], None] | None = None,
) -> None:
    HOOKS.append(Hook(models=list(models), export=export, erase=erase, order=len(HOOKS)))


def export(user) -> dict[str, Any]:
    """Every app's part of the person's data, in the order of INSTALLED_APPS."""
    data: dict[str, Any] = {}
    for hook in _in_app_order():
        if hook.export is not None:
            data.update(hook.export(user))
    return data


def erase(user) -> None:
    """Every app erases what it holds about the person (the account itself is accounts')."""
    for hook in _in_app_order():
        if hook.erase is not None:
            hook.erase(user)


def _in_app_order() -> list[Hook]:
    order = {config.label: i for i, config in enumerate(apps.get_app_configs())}
    return sorted(HOOKS, key=lambda h: (order.get(h.models[0].split(".")[0], 0), h.order))


def covered_models() -> set[str]:
    return {label.lower() for hook in HOOKS for label in hook.models}


def uncovered_models() -> list[str]:
    """Our models (the project's apps) with a foreign key to the user that no hook covers."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    covered = covered_models()
    missing = []
    for model in apps.get_models():
        module = model.__module__.split(".")[0]
        if module not in PROJECT_APPS or model._meta.label_lower in covered:
            continue
        if any(
            f.is_relation and f.related_model is user_model and f.concrete
            for f in model._meta.get_fields()
        ):
            missing.append(model._meta.label)
    return sorted(missing)


PROJECT_APPS = {
    "accounts",
    "api",
    "consultation",
    "core",
    "digests",
    "moderation",
    "notifications",
    "recommendations",
    "responses",
    "results",
}

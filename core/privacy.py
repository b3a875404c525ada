"""The privacy registry: each app's privacy.py says what it holds about a person, for
"Download my data" (GDPR art. 15 and 20) and for deleting an account, about its own models
only. CoreConfig.ready() imports every app's privacy.py, as the admin does its admin.py, and a
system check (core.checks) fails if a model with a foreign key to the user is in none.

    privacy.register(
        models=["consultation.Follow", ...],   # the models whose personal data it covers
        export=lambda user: {"follows": [...]},  # keys of the download
        erase=lambda user: ...,                # in the deletion's transaction
        forget=lambda user, names, addresses: ...,  # texts that copied them
    )

`forget` is for the rows that copied the person's name or an e-mail address as text where
no foreign key leads to them (a message waiting in the outbox, a mail server's error, a stored
API answer, the admin's history): it is given their names and addresses as they were before
the deletion, and cancels, empties or rewrites what holds them. An address is distinctive
and may be replaced wherever it stands; a name may be someone else's too ("Sam"), so a hook
replaces it only where it stands for the person (a row about them, an author's name field).
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Q


@dataclass
class Hook:
    models: list[str]
    export: Callable[[Any], dict[str, Any]] | None = None
    erase: Callable[[Any], None] | None = None
    forget: Callable[[Any, Sequence[str], Sequence[str]], None] | None = None
    order: int = field(default=0)


HOOKS: list[Hook] = []


def register(
    *,
    models: list[str],
    export: Callable[[Any], dict[str, Any]] | None = None,
    erase: Callable[[Any], None] | None = None,
    forget: Callable[[Any, Sequence[str], Sequence[str]], None] | None = None,
) -> None:
    HOOKS.append(
        Hook(models=list(models), export=export, erase=erase, forget=forget, order=len(HOOKS))
    )


def export(user) -> dict[str, Any]:
    """Every app's part of the person's data, in the order of INSTALLED_APPS."""
    data: dict[str, Any] = {}
    for hook in _in_app_order():
        if hook.export is not None:
            data.update(hook.export(user))
    return data


def erase(user, *, names: Sequence[str] = (), addresses: Sequence[str] = ()) -> None:
    """Every app erases what it holds about the person (the account itself is accounts'),
    then forgets the texts that copied their `names` and `addresses`."""
    hooks = _in_app_order()
    for hook in hooks:
        if hook.erase is not None:
            hook.erase(user)
    names, addresses = _distinct(names), _distinct(addresses)
    for hook in hooks:
        if hook.forget is not None and (names or addresses):
            hook.forget(user, names, addresses)


def _distinct(words: Sequence[str]) -> list[str]:
    """Each word once whatever its case, the longest first (replaced before its parts)."""
    unique = {w.strip().casefold(): w.strip() for w in words if w and w.strip()}
    return sorted(unique.values(), key=len, reverse=True)


def _pattern(words: Sequence[str]) -> re.Pattern:
    """Any of `words`, whole (a name "Al" is not the "al" of "Already"), whatever the case of
    its letters."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def unname(text: str, words: Sequence[str], replacement: str) -> str:
    """`text` with every one of `words` replaced."""
    return _pattern(words).sub(replacement, text) if words else text


def rows_unname(queryset, fields: Sequence[str], words: Sequence[str], replacement: str) -> int:
    """Rewrite the text `fields` of the rows that hold one of `words`; how many were."""
    naming = Q()
    for name in fields:
        for word in words:
            naming |= Q(**{f"{name}__icontains": word})
    rows = [
        row
        for row in queryset.filter(naming).only("pk", *fields)
        if any(names_any(getattr(row, name), words) for name in fields)
    ]
    for row in rows:
        for name in fields:
            limit = queryset.model._meta.get_field(name).max_length
            setattr(row, name, unname(getattr(row, name), words, replacement)[:limit])
    queryset.model.objects.bulk_update(rows, list(fields), batch_size=500)
    return len(rows)


def names_any(text: str, words: Sequence[str]) -> bool:
    return bool(words) and _pattern(words).search(text) is not None


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

"""The public content's version, the versions of its parts, and conditional GETs.

One token in the cache names the state of everything a public page shows. Every committed write
to a model registered as public content replaces it (post_save, post_delete and m2m_changed,
connected in core's ready(); once per transaction, after the commit, so no reader caches the old
page under the new token), and so does every successful unsafe request
(`ContentVersionMiddleware`), which covers the writes that go through `QuerySet.update()`.

Each app registers its public models in its AppConfig.ready() (core names no app above it):

    versioning.register(self)                       # every model of the app
    versioning.register(Comment, scopes=lambda c: [dialogue_scope(c.recommendation_id)])
    versioning.register(User, scopes=lambda u: [PEOPLE], fields={"display_name", ...})

A *scope* names a part of the content ("dialogue:12", the people's names): a registered row's
change replaces the token of each scope its `scopes` gives (at the same commit), and a service
whose write goes through `QuerySet.update()` says so itself with `changed(scope, ...)`. A save
with `update_fields` none of `fields` changes nothing shown (a login's `last_login`).
`version_of(*scopes)` is what the fragment cache (core.fragments) keys a fragment by.

`public_conditional` gives a view's anonymous GETs an ETag made of the token, the path with
its query, the language, whether htmx asked and the minute (a consultation opens and closes at
its dates without a write): a browser that sends it back in
If-None-Match gets a 304 before the view runs (no query, no template). Signed-in readers see
their own forms, states and drafts: their pages get no ETag. The cache failing open, a missing
token means no ETag and a full page, never a stale one.

A write made while the cache is unreachable cannot replace the tokens: when the cache comes back
with the old ones, pages cached by browsers before that write are served until the next write
(and cached fragments until theirs expire: core.templatetags.fragments.FRAGMENT_SECONDS).
"""

import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.apps import AppConfig
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers

KEY = "core:content-version"
SCOPE_KEY = "core:content-version:{}"
# People as pages name them beside what they wrote (every app's pages do): the app that holds
# them registers its models under this scope.
PEOPLE = "people"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Registration:
    # The scopes a change of the row reaches (besides the whole content's token).
    scopes: Callable[[Model], Iterable[str]] | None = None
    # The fields pages show; None: all of them.
    fields: frozenset[str] | None = None


REGISTRY: dict[type[Model], Registration] = {}


def register(
    *models: type[Model] | AppConfig,
    scopes: Callable[[Model], Iterable[str]] | None = None,
    fields: Iterable[str] | None = None,
) -> None:
    """Count these models (an AppConfig: all of its own, auto-created ones included) as public
    content; a later registration of a model replaces an earlier one."""
    registration = Registration(scopes, frozenset(fields) if fields is not None else None)
    for item in models:
        if isinstance(item, AppConfig):
            for model in item.get_models(include_auto_created=True):
                REGISTRY[model] = registration
        else:
            REGISTRY[item] = registration


def content_version() -> str | None:
    """The current token (created on first use); None when the cache does not answer."""
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(KEY)
    return version


def version_of(*scopes: str) -> str | None:
    """The versions of these scopes as one string (each created on first use, in one round
    trip when all exist); None when the cache does not answer."""
    keys = [SCOPE_KEY.format(scope) for scope in scopes]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        found.update(cache.get_many(missing))
        if any(key not in found for key in keys):
            return None
    return ".".join(found[key] for key in keys)


def _replace() -> None:
    cache.set(KEY, uuid.uuid4().hex, timeout=None)


def _replace_scopes(scopes: Iterable[str]) -> None:
    if scopes:
        cache.set_many({SCOPE_KEY.format(scope): uuid.uuid4().hex for scope in scopes}, None)


class _Replace:
    """The commit's callback: the whole content's token and the scopes' tokens replaced."""

    def __init__(self):
        self.scopes: set[str] = set()

    def __call__(self) -> None:
        _replace()
        _replace_scopes(self.scopes)


def changed(*scopes: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the tokens (the whole content's, and these scopes') once the current transaction
    commits (at once outside one).

    Inside one, the scopes' tokens are also replaced at once, so that the transaction's own
    later reads (a test's, in its transaction) show its writes: a reader elsewhere, who cannot
    see them yet, may keep a fragment under that token, which the commit replaces again."""
    connection = connections[using]
    if connection.in_atomic_block:
        _replace_scopes(scopes)
        # One pending already runs at the same commit: Django drops the callbacks of a
        # savepoint rolled back, and any savepoint still open that holds one encloses this
        # change too (at worst a scope of a change rolled back is replaced: a cache miss).
        for _, func, _ in connection.run_on_commit:
            if isinstance(func, _Replace):
                func.scopes.update(scopes)
                return
    pending = _Replace()
    pending.scopes.update(scopes)
    transaction.on_commit(pending, using=using)


def content_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the whole content's token once the current transaction commits."""
    changed(using=using)


def model_changed(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """The receiver of post_save, post_delete and m2m_changed for every model."""
    # m2m_changed says pre_add, post_add, ...: only what has happened counts.
    if not kwargs.get("action", "post_").startswith("post_"):
        return
    registration = REGISTRY.get(sender)
    if registration is None:
        return
    instance = kwargs.get("instance")
    if "action" in kwargs:  # m2m_changed: the sender is the through model, the row `instance`
        registration = REGISTRY.get(type(instance), registration)
    update_fields = kwargs.get("update_fields")
    if (
        registration.fields is not None
        and update_fields
        and registration.fields.isdisjoint(update_fields)
    ):
        return
    scopes = registration.scopes(instance) if registration.scopes and instance else ()
    changed(*scopes, using=using)


class ContentVersionMiddleware:
    """A successful POST, PUT, PATCH or DELETE replaces the token (after its response is
    made, so after its transaction)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in UNSAFE_METHODS and response.status_code < 400:
            _replace()
        return response


def _has_messages(request) -> bool:
    """Messages waiting for the next page (a 304 would keep them from being shown)."""
    if settings.MESSAGE_STORAGE.endswith("SessionStorage"):
        return bool(request.session.get("_messages"))
    return "messages" in request.COOKIES or (
        settings.SESSION_COOKIE_NAME in request.COOKIES and "_messages" in request.session
    )


def public_conditional(view):
    """ETag and 304 for anonymous GETs of `view` (see the module's docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or _has_messages(request)
        ):
            return view(request, *args, **kwargs)
        version = content_version()
        if version is None:
            return view(request, *args, **kwargs)
        parts = (
            version,
            request.get_full_path(),
            translation.get_language() or "",
            "htmx" if request.headers.get("HX-Request") else "page",
            # A consultation opens and closes at its dates, with no write: the tag lasts a
            # minute at most.
            str(int(time.time() // 60)),
        )
        etag = '"{}"'.format(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        response.headers["ETag"] = etag
        # Revalidate each time; the page differs by cookie (signed in or not) and language.
        response.headers["Cache-Control"] = "no-cache"
        patch_vary_headers(response, ("Cookie", "Accept-Language", "HX-Request"))
        return response

    return wrapper

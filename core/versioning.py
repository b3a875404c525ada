"""The public content's version, and conditional GETs for anonymous readers.

One token in the cache names the state of everything a public page shows. Every committed write
to a model of the apps that make up the public pages replaces it (post_save, post_delete and
m2m_changed, connected in core's ready(); once per transaction, after the commit, so no reader
caches the old page under the new token), and so does every successful unsafe request
(`ContentVersionMiddleware`), which covers the writes that go through `QuerySet.update()`.

`public_conditional` gives a view's anonymous GETs an ETag made of the token, the path with
its query, the language, whether htmx asked and the minute (a consultation opens and closes at
its dates without a write): a browser that sends it back in
If-None-Match gets a 304 before the view runs (no query, no template). Signed-in readers see
their own forms, states and drafts: their pages get no ETag. The cache failing open, a missing
token means no ETag and a full page, never a stale one.

A write made while the cache is unreachable cannot replace the token: when the cache comes back
with the old one, pages cached by browsers before that write are served until the next write.
"""

import hashlib
import time
import uuid
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers

KEY = "core:content-version"
# The apps whose rows public pages show (people's names and organisations included).
CONTENT_APPS = frozenset(
    {"recommendations", "consultation", "responses", "moderation", "accounts", "results"}
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def content_version() -> str | None:
    """The current token (created on first use); None when the cache does not answer."""
    version = cache.get(KEY)
    if version is None:
        cache.add(KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(KEY)
    return version


def _replace() -> None:
    cache.set(KEY, uuid.uuid4().hex, timeout=None)


def content_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """Replace the token once the current transaction commits (at once outside one)."""
    connection = connections[using]
    # One pending already runs at the same commit: Django drops the callbacks of a savepoint
    # rolled back, and any savepoint still open that holds one encloses this change too.
    if connection.in_atomic_block and any(
        func is _replace for _, func, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_replace, using=using)


def model_changed(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """The receiver of post_save, post_delete and m2m_changed for every model."""
    # m2m_changed says pre_add, post_add, ...: only what has happened counts.
    happened = kwargs.get("action", "post_").startswith("post_")
    if happened and sender._meta.app_label in CONTENT_APPS:
        content_changed(using)


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

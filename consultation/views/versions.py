"""The version history compared: any two wordings side by side, with the word diff between."""

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _

from core.diffs import word_diff

from ..models import Amendment
from .base import load_recommendation


def _version_number(raw: str | None, numbers: set[int], which: str) -> tuple[int | None, str]:
    """(number, "") for a version this recommendation has, else (None, why)."""
    try:
        number = int(raw)
    except (TypeError, ValueError):
        if which == "first":
            return None, _("The first version must be a version number.")
        return None, _("The second version must be a version number.")
    if number not in numbers:
        return None, _("There is no version %(number)d of this recommendation.") % {
            "number": number
        }
    return number, ""


def versions_compare(request, slug, reference):
    """`?a=<n>&b=<n>` compares version a (old, left) with version b (new, right); by default
    the previous wording with the current one."""
    recommendation = load_recommendation(request, slug, reference)
    versions = list(recommendation.versions.all())  # prefetched with authors, newest first
    # The credit of versions that came from an accepted amendment, in one query: each
    # version's `from_amendment` is then read without another.
    prefetch_related_objects(
        versions,
        Prefetch(
            "from_amendment",
            queryset=Amendment.objects.select_related("author", "author__stakeholder_group"),
        ),
    )
    by_number = {v.number: v for v in versions}
    errors, old, new = [], None, None
    if versions:
        defaults = (versions[1] if len(versions) > 1 else versions[0]).number, versions[0].number
        a, error_a = _version_number(request.GET.get("a", defaults[0]), set(by_number), "first")
        b, error_b = _version_number(request.GET.get("b", defaults[1]), set(by_number), "second")
        errors = [e for e in (error_a, error_b) if e]
        if not errors:
            old, new = by_number[a], by_number[b]
    else:
        defaults = a = b = None
    context = {
        "consultation": recommendation.consultation,
        "recommendation": recommendation,
        "versions": versions,
        "current_version": versions[0] if versions else None,
        # The pickers keep a valid choice, and fall back to the default for a bad one.
        "selected_a": a if a is not None else defaults and defaults[0],
        "selected_b": b if b is not None else defaults and defaults[1],
        "errors": errors,
        "old": old,
        "new": new,
        "title_diff": word_diff(old.title, new.title) if old and new else "",
        "body_diff": word_diff(old.body, new.body) if old and new else "",
    }
    # A request the form could not have made is the client's error: say so, not 500.
    return render(request, "consultation/versions.html", context, status=400 if errors else 200)


def routes(prefix: str) -> list:
    return [path(f"{prefix}versions/", versions_compare, name="versions")]

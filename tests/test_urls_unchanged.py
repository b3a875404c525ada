"""No public URL changes when the code moves: every route the site serves, with its name, is
the list recorded in tests/data/urls.txt, written from the code before the apps were split
into layers (and again from main's code, without the layers, once the other branches' new
pages had landed); regenerate it only for a URL that is meant to change.

The admin's own URLs follow its models: those of a model that moved app (Notification's
e-mail row, from digests to notifications) move with it, and a new model adds its own."""

from pathlib import Path

from .urls_listing import url_patterns

RECORDED = Path(__file__).parent / "data" / "urls.txt"
# The admin's pages of models that moved to another app, and its index of apps.
MOVED_IN_ADMIN = ("admin/digests/notificationemail/", "admin/^(?P<app_label>")


def test_every_public_url_pattern_is_the_recorded_one():
    recorded = RECORDED.read_text().splitlines()
    served = url_patterns()
    public = sorted(line for line in served if not line.startswith("admin/"))
    assert [line for line in public if line not in recorded] == []  # none new
    assert [
        line for line in recorded if not line.startswith("admin/") and line not in public
    ] == []  # none gone


def test_the_admins_pages_of_models_that_stayed_are_where_they_were():
    recorded = RECORDED.read_text().splitlines()
    served = url_patterns()
    stayed = [
        line
        for line in recorded
        if line.startswith("admin/") and not line.startswith(MOVED_IN_ADMIN)
    ]
    assert [line for line in stayed if line not in served] == []

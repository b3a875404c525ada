"""Signing the browser in without the login form (the sign-up journey tests the form), and
finding the fields of the forms that sign people up and in."""

import re

from django.conf import settings
from django.test import Client


def log_in(target, live_server, user) -> None:
    """Sign a page or a browser context in as the person, with a session made by
    force_login."""
    context = getattr(target, "context", target)  # a Page has its context; a context is one
    client = Client()
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def label(name: str) -> re.Pattern:
    """A form field's label, with or without the mark of a required field (" *")."""
    return re.compile(rf"^{re.escape(name)}( \*)?$")

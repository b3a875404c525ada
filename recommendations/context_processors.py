from functools import cache

from .selectors import nav_consultation


def nav(request):
    """`nav_consultation` for the nav on pages about no consultation in particular: a
    callable, so that a page about one (whose `consultation` the nav uses) never asks."""

    @cache
    def consultation():
        return nav_consultation()

    return {"nav_consultation": consultation}

from functools import cache


def notifications(request):
    """`unread_notifications_count` for the nav: a callable, so that a page that does not
    show it costs nothing; the count comes from the cache (digests.notifications)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications_count": 0}

    @cache
    def count() -> int:
        from .notifications import unread_count

        return unread_count(user)

    return {"unread_notifications_count": count}

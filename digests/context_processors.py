from functools import cache

from notifications.services import unread_count


def notifications(request):
    """`unread_notifications_count` for the nav: a callable, so that a page that does not
    show it costs nothing; the count comes from the cache (notifications.services)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications_count": 0}

    @cache
    def count() -> int:
        return unread_count(user)

    return {"unread_notifications_count": count}

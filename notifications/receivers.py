"""The nav's unread count, counted once at login (it reads the count from the cache)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import unread_refresh


@receiver(user_logged_in, dispatch_uid="digests_unread_count_at_login")
def _count_unread_at_login(sender, request, user, **kwargs):
    unread_refresh(user)

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Every notice and e-mail the platform sends: the on-site notifications, the one e-mail
    renderer (templates/emails/) and the delivery with retries (sent once). Below every app
    that has something to say: they call it, it imports none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from . import receivers  # noqa: F401 - the unread count, counted at login

        # Each app's notices.py registers the e-mails it sends (mailer.register), so that a
        # worker knows them all however it was started.
        autodiscover_modules("notices")

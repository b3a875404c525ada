from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import FailedEmail, NotificationEmail, Outbox


@admin.register(NotificationEmail)
class NotificationEmailAdmin(admin.ModelAdmin):
    """Each notification's e-mail: sent, skipped, or failed for good (with the error)."""

    list_display = ["notification", "status", "attempts", "claimed_at", "sent_at", "error"]
    list_filter = ["status"]
    list_select_related = ["notification"]
    search_fields = ["notification__user__email"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(FailedEmail)
class FailedEmailAdmin(admin.ModelAdmin):
    """E-mails given up on (invitations, moderation decisions), with the error."""

    list_display = ["name", "object_pk", "attempts", "created_at", "error"]
    list_filter = ["name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    """What is still to send (pending, or claimed by a worker), sent, skipped, or failed for
    good (with the error): the outbox delivers them; nothing is changed here."""

    list_display = ["key", "status", "attempts", "available_at", "claimed_at", "sent_at", "error"]
    list_filter = ["status", "name"]
    search_fields = ["key"]
    date_hierarchy = "created_at"

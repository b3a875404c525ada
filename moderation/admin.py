from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Appeal, Flag, ModerationAction, ModerationPolicy, ReasonTemplate


@admin.register(ModerationPolicy)
class ModerationPolicyAdmin(admin.ModelAdmin):
    list_display = ["consultation", "mode", "first_n", "flag_threshold"]
    list_select_related = ["consultation"]


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "active"]
    list_editable = ["position", "active"]
    search_fields = ["title", "text"]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: append-only, so read-only here (the model refuses updates too)."""

    list_display = ["created_at", "actor", "action", "content_label", "state_before", "state_after"]
    list_filter = ["action", "consultation"]
    list_select_related = ["actor"]
    search_fields = ["content_label", "reason"]
    date_hierarchy = "created_at"
    actions = None


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "flagger", "reason", "resolution"]
    list_filter = ["reason", "resolution"]
    list_select_related = ["flagger"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "appellant", "state", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["appellant", "decided_by"]

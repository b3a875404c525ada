from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import ImplementationUpdate, Response, ResponseRevision, ResponseStatus


@admin.register(ResponseStatus)
class ResponseStatusAdmin(admin.ModelAdmin):
    """A consultation's statuses: the four defaults, and any it adds here."""

    list_display = ["consultation", "code", "label", "position"]
    list_filter = ["consultation"]
    list_editable = ["label", "position"]


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["recommendation", "state", "status", "revision", "published_at", "sample"]
    list_filter = ["state", "sample", "recommendation__consultation"]
    list_select_related = ["recommendation", "status"]


@admin.register(ResponseRevision)
class ResponseRevisionAdmin(ReadOnlyAdmin):
    list_display = ["response", "number", "kind", "author", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["response", "author"]


@admin.register(ImplementationUpdate)
class ImplementationUpdateAdmin(ReadOnlyAdmin):
    list_display = ["recommendation", "date", "status", "progress", "author"]
    list_filter = ["status"]
    list_select_related = ["recommendation", "author"]

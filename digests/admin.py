"""Digest records (filter the failed ones, read their error), notification e-mails, and a
preview of any person's next digest, as they will receive it."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User

from . import emails, selectors
from .models import DigestRecord, RecommendationStatusChange
from .periods import FREQUENCIES, period_in_progress


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DigestRecord)
class DigestRecordAdmin(_ReadOnly):
    list_display = [
        "user",
        "frequency",
        "period_start",
        "status",
        "attempts",
        "claimed_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "frequency", "period_start"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__display_name"]
    date_hierarchy = "period_start"
    change_list_template = "digests/admin/digestrecord_change_list.html"

    @admin.display(description=gettext_lazy("error"))
    def short_error(self, record):
        return Truncator(record.error).chars(80)

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="digests_digestrecord_preview"),
            *super().get_urls(),
        ]

    # The e-mail's HTML styles itself with style attributes (mail clients need them): this
    # page alone lets attributes style, inside an iframe sandboxed against any script.
    @method_decorator(csp_update({"style-src-attr": [UNSAFE_INLINE]}))
    def preview_view(self, request):
        """Render a person's next digest — what has happened so far in the period under way
        — as its HTML body, without sending or recording anything."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        frequency = request.GET.get("frequency")
        if frequency not in FREQUENCIES:
            frequency = "weekly"
        query = (request.GET.get("person") or "").strip()
        person, error, rendered, digest = None, "", None, None
        if query:
            people = User.objects.filter(deleted_at__isnull=True)
            person = (
                people.filter(pk=query).first()
                if query.isdigit()
                else people.filter(email__iexact=query).first()
            )
            if person is None:
                error = _("No person with the e-mail address or id “%(query)s”.") % {"query": query}
            else:
                period = period_in_progress(frequency)
                digest = selectors.digests_build(people=[person], period=period)[person.pk]
                subject, text, html = emails.render_digest(digest)
                rendered = {"subject": subject, "text": text, "html": html}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Preview a person's next digest"),
            "frequencies": FREQUENCIES,
            "frequency": frequency,
            "query": query,
            "person": person,
            "error": error,
            "digest": digest,
            "rendered": rendered,
            "changelist_url": reverse("admin:digests_digestrecord_changelist"),
        }
        return TemplateResponse(request, "digests/admin/preview.html", context)


@admin.register(RecommendationStatusChange)
class RecommendationStatusChangeAdmin(_ReadOnly):
    list_display = ["recommendation", "old_status", "new_status", "changed_at"]
    list_filter = ["new_status"]
    list_select_related = ["recommendation"]

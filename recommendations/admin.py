from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from .forms import SeedUploadForm
from .models import (
    Advocate,
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
    RecommendationVersion,
)


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "state", "opens_at", "closes_at"]
    list_filter = ["state"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    change_list_template = "admin/recommendations/consultation/change_list.html"

    def get_urls(self):
        return [
            path(
                "upload-seed/",
                self.admin_site.admin_view(self.upload_seed),
                name="recommendations_consultation_upload_seed",
            ),
            *super().get_urls(),
        ]

    def upload_seed(self, request):
        # Importing creates and changes recommendations: both permissions are needed.
        if not (
            self.has_add_permission(request)
            and request.user.has_perm("recommendations.change_recommendation")
        ):
            return TemplateResponse(
                request, "admin/recommendations/consultation/upload_seed_denied.html", status=403
            )
        form = SeedUploadForm(request.POST or None, request.FILES or None, acting_user=request.user)
        if request.method == "POST" and form.is_valid():
            messages.success(
                request,
                _("Imported %(name)s: %(report)s.")
                % {"name": form.cleaned_data["file"].name, "report": form.report},
            )
            return redirect(reverse("admin:recommendations_consultation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Upload a seed file"),
        }
        return TemplateResponse(
            request, "admin/recommendations/consultation/upload_seed.html", context
        )


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "consultation", "position"]
    list_filter = ["consultation"]
    search_fields = ["code", "title"]


@admin.register(Advocate)
class AdvocateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]


class ChallengeAdvocateInline(admin.TabularInline):
    model = ChallengeAdvocate
    extra = 0


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "pillar", "consultation"]
    list_filter = ["consultation", "pillar"]
    search_fields = ["code", "title", "body"]
    inlines = [ChallengeAdvocateInline]


class RecommendationAdvocateInline(admin.TabularInline):
    model = RecommendationAdvocate
    extra = 0


class RecommendationVersionInline(admin.TabularInline):
    model = RecommendationVersion
    extra = 0
    fields = ["number", "title", "author", "reason", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Versions are history: they come from imports and accepted amendments only.
        return False


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "pillar", "source", "status", "consultation"]
    list_filter = ["consultation", "pillar", "source", "status", "advocates"]
    search_fields = ["reference", "title", "body"]
    list_select_related = ["pillar", "consultation"]
    filter_horizontal = ["challenges"]
    inlines = [RecommendationAdvocateInline, RecommendationVersionInline]


@admin.register(RecommendationVersion)
class RecommendationVersionAdmin(admin.ModelAdmin):
    list_display = ["recommendation", "number", "author", "reason", "created_at"]
    list_select_related = ["recommendation", "author"]
    search_fields = ["recommendation__reference", "title"]
    readonly_fields = [
        "recommendation",
        "number",
        "title",
        "body",
        "author",
        "reason",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

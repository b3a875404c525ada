from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import SeedUploadForm
from .hooks import recommendation_moved
from .models import (
    Advocate,
    Challenge,
    ChallengeAdvocate,
    Consultation,
    Pillar,
    Recommendation,
    RecommendationAdvocate,
    RecommendationVersion,
    SeedImport,
)
from .services import REASON_MAX_LENGTH, recommendation_reword, recommendation_version_first


@admin.register(Consultation)
class ConsultationAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "state", "opens_at", "closes_at"]
    list_filter = ["state"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["imported_from"]  # provenance: written by imports only
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


@admin.register(SeedImport)
class SeedImportAdmin(admin.ModelAdmin):
    """The imports, for provenance: read-only, as history is."""

    list_display = ["file_name", "content_hash", "imported_at", "imported_by"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Pillar)
class PillarAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "consultation", "position"]
    list_filter = ["consultation"]
    search_fields = ["code", "title"]
    readonly_fields = ["imported_from"]  # provenance: written by imports only


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
    readonly_fields = ["imported_from"]  # provenance: written by imports only
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
        # Versions are history: they come from imports, accepted amendments and changes of
        # wording made in the recommendation's own form (with a reason).
        return False


class WordingField(forms.CharField):
    """A wording as stored: browsers send a textarea's line breaks as CRLF, which would make
    an untouched text look changed (and ask for a reason) on every save."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value

    def has_changed(self, initial, data):
        return super().has_changed((initial or "").replace("\r\n", "\n"), data)


class RecommendationAdminForm(forms.ModelForm):
    wording_change_reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Required when the title or the text changes. The change becomes a new version "
            "credited to you, with this reason; people whose position is on the earlier "
            "wording are asked to confirm or change it."
        ),
    )

    class Meta:
        model = Recommendation
        fields = "__all__"  # noqa: DJ007 (the admin's own choice: every field, as before)
        field_classes = {"body": WordingField}

    @property
    def wording_changed(self) -> bool:
        return self.instance.pk is not None and bool({"title", "body"} & set(self.changed_data))

    def clean(self):
        cleaned_data = super().clean()
        if self.wording_changed and not cleaned_data.get("wording_change_reason"):
            self.add_error("wording_change_reason", _("Give a reason for the change of wording."))
        return cleaned_data


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    form = RecommendationAdminForm
    list_display = ["reference", "title", "pillar", "source", "status", "consultation"]
    list_filter = ["consultation", "pillar", "source", "status", "advocates"]
    search_fields = ["reference", "title", "body"]
    list_select_related = ["pillar", "consultation"]
    filter_horizontal = ["challenges"]
    readonly_fields = ["imported_from"]  # provenance: written by imports only
    inlines = [RecommendationAdvocateInline, RecommendationVersionInline]

    def get_fields(self, request, obj=None):
        # The reason right under the wording it explains; a new recommendation needs none.
        fields = [f for f in super().get_fields(request, obj) if f != "wording_change_reason"]
        if obj is not None:
            fields.insert(fields.index("body") + 1, "wording_change_reason")
        return fields

    def save_model(self, request, obj, form, change):
        self._save(request, obj, form, change)
        if change and "pillar" in form.changed_data:
            recommendation_moved(recommendation=obj, before_pillar_id=form.initial["pillar"])

    def _save(self, request, obj, form, change):
        if change and form.wording_changed:
            title, body = obj.title, obj.body
            # The other fields are saved as they are; the wording never is, in place: the
            # service makes it a new version, as accepting an amendment does.
            obj.title, obj.body = form.initial["title"], form.initial["body"]
            super().save_model(request, obj, form, change)
            version = recommendation_reword(
                recommendation=obj,
                acting_user=request.user,
                title=title,
                body=body,
                reason=form.cleaned_data["wording_change_reason"],
            )
            obj.title, obj.body = version.title, version.body
            return
        super().save_model(request, obj, form, change)
        if not change:
            recommendation_version_first(recommendation=obj, acting_user=request.user)


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

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .models import Consent, Invitation, StakeholderGroup, User
from .notices import invitation_link, invitation_send
from .services import affiliation_verify, profile_update

# Fields that grant powers: only a superuser changes them (a consultation admin may change
# people's profiles but must not make anyone, themselves included, staff or superuser).
PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


def _suspension_help() -> str:
    return format_html(
        gettext(
            "Read-only here: a suspension is decided in the moderation workflow, which writes "
            "it to the audit log and tells the person. To suspend someone, open one of their "
            'contributions in <a href="{}">the moderation queue</a> and choose “Suspend the '
            "author”; a suspension is lifted when a moderator overturns it on appeal."
        ),
        reverse("moderation:queue"),
    )


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        # Shown with the read-only field (the admin takes a read-only field's help text from
        # the form's Meta); lazy, so the link and the words follow the request.
        help_texts = {"suspended_until": lazy(_suspension_help, str)()}


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "organisation",
        "stakeholder_group",
        "affiliation_verified",
        "is_staff",
        "is_active",
        "date_joined",
    ]
    list_filter = ["stakeholder_group", "is_staff", "is_active", "groups"]
    list_select_related = ["stakeholder_group"]
    search_fields = ["email", "display_name", "organisation"]
    actions = ["verify_affiliation", "withdraw_affiliation"]
    readonly_fields = [
        "affiliation_verified_at",
        "affiliation_verified_by",
        "interests_declared_at",
        # Suspending or lifting a suspension here would leave no audit row and tell nobody:
        # only the moderation services change it (author_suspend, appeal_decide).
        "suspended_until",
        "deleted_at",
        "last_login",
        "date_joined",
    ]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "organisation",
                    "job_title",
                    "stakeholder_group",
                    "speaks_for_organisation",
                    "transparency_register_id",
                    "interests",
                    "interests_declared_at",
                ]
            },
        ),
        (
            _("Affiliation and standing"),
            {
                "fields": [
                    "affiliation_verified_at",
                    "affiliation_verified_by",
                    "suspended_until",
                    "deleted_at",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", *PRIVILEGE_FIELDS]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]},
        )
    ]

    @admin.display(boolean=True, description=_("Verified"), ordering="affiliation_verified_at")
    def affiliation_verified(self, obj):
        return obj.is_affiliation_verified

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += PRIVILEGE_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        if change and "organisation" in form.changed_data:
            # As when the person changes it on their profile: a verified affiliation is the
            # verification of one organisation, so a new one withdraws it, on the audit log.
            profile_update(
                user=obj, data={"organisation": obj.organisation}, acting_user=request.user
            )
        super().save_model(request, obj, form, change)

    def has_verify_affiliation_permission(self, request):
        return request.user.has_perm("accounts.verify_affiliation")

    @admin.action(
        permissions=["verify_affiliation"],
        description=_("Verify the affiliation of the selected people"),
    )
    def verify_affiliation(self, request, queryset):
        count = 0
        # The service writes each change to the audit log; already verified people are
        # left as they are (their verification keeps its date and its verifier).
        for user in queryset.filter(deleted_at__isnull=True, affiliation_verified_at__isnull=True):
            affiliation_verify(user=user, acting_user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Verified the affiliation of %(count)d person.",
                "Verified the affiliation of %(count)d people.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        permissions=["verify_affiliation"],
        description=_("Withdraw the verification of the selected people's affiliation"),
    )
    def withdraw_affiliation(self, request, queryset):
        count = 0
        for user in queryset.filter(affiliation_verified_at__isnull=False):
            affiliation_verify(user=user, acting_user=request.user, verified=False)
            count += 1
        self.message_user(
            request,
            gettext("Withdrew %(count)d verification(s).") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(StakeholderGroup)
class StakeholderGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """The record of consents: read-only, as a record must be."""

    list_display = ["user", "document", "version", "accepted_at"]
    list_filter = ["document", "version"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__display_name"]
    date_hierarchy = "accepted_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are made on the invitations pages (which send them); here an admin
    finds, re-sends or withdraws them. The accounts rules decide who may."""

    list_display = [
        "email",
        "name",
        "organisation",
        "stakeholder_group",
        "language",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_user",
    ]
    list_filter = ["stakeholder_group", "language", "consultation", "sent_at", "accepted_at"]
    list_select_related = ["stakeholder_group", "invited_by", "accepted_user"]
    search_fields = ["email", "name", "organisation"]
    readonly_fields = [
        "email",
        "token",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_user",
        "sign_up_link",
    ]
    fields = [
        "email",
        "name",
        "organisation",
        "stakeholder_group",
        "consultation",
        # Editable, so that an invitation sent in the wrong language can be corrected and
        # sent again ("resend" uses it).
        "language",
        "invited_by",
        "created_at",
        "sent_at",
        "accepted_at",
        "accepted_user",
        "sign_up_link",
    ]
    actions = ["resend"]

    @admin.display(description=_("Sign-up link"))
    def sign_up_link(self, obj):
        return invitation_link(obj) if obj.pk and obj.is_pending else "—"

    def _may_invite(self, request) -> bool:
        return request.user.has_perm("accounts.invite")

    def has_module_permission(self, request):
        return self._may_invite(request)

    def has_view_permission(self, request, obj=None):
        return self._may_invite(request)

    def has_add_permission(self, request):
        return False  # invitations/new/ makes and sends them

    def has_change_permission(self, request, obj=None):
        return self._may_invite(request) and (obj is None or obj.is_pending)

    def has_delete_permission(self, request, obj=None):
        return self._may_invite(request)

    def has_resend_permission(self, request):
        return self._may_invite(request)

    @admin.action(permissions=["resend"], description=_("Send the selected invitations again"))
    def resend(self, request, queryset):
        pending = list(
            queryset.filter(accepted_at__isnull=True).select_related("consultation", "invited_by")
        )
        for invitation in pending:
            invitation_send(invitation)
        self.message_user(
            request,
            gettext("Sent %(count)d invitation(s) again.") % {"count": len(pending)},
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "subtitle": format_html(
                gettext('To invite people, use <a href="{}">the invitations pages</a>.'),
                reverse("accounts:invitations"),
            ),
        }
        return super().changelist_view(request, extra_context)

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from . import hooks, selectors
from .forms import (
    AccountDeleteForm,
    InvitationForm,
    InvitationImportForm,
    PreferencesForm,
    ProfileForm,
)
from .models import StakeholderGroup, User
from .services import (
    account_delete,
    invitation_create,
    invitations_import_csv,
    preferences_update,
    profile_update,
)


@login_required
def profile_edit(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    # Read before the form is validated (which writes the new values onto the instance).
    was_verified = request.user.is_affiliation_verified
    if request.method == "POST" and form.is_valid():
        try:
            user = profile_update(user=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your profile is saved."))
            if was_verified and not user.is_affiliation_verified:
                messages.warning(
                    request,
                    _(
                        "You changed your organisation, so your affiliation is no longer "
                        "verified. Ask the consultation's administrators to verify the new one."
                    ),
                )
            return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def preferences_edit(request):
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        preferences_update(user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your preferences are saved."))
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


@require_POST
def language_set(request):
    """The language switcher: Django's set_language (cookie, safe redirect back), and for a
    signed-in person their stored preference, which UserLanguageMiddleware follows."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        preferences_update(user=request.user, data={"language": language})
    return response


def person_detail(request, pk):
    person = get_object_or_404(
        User.objects.select_related("stakeholder_group").filter(is_active=True), pk=pk
    )
    context = {"person": person, "is_self": request.user.pk == person.pk}
    if not person.deleted_at:  # a deleted account's page lists nothing (its template says why)
        context |= hooks.person_page.collect(
            person=person, viewer=request.user, page=request.GET.get("page")
        )
    return render(request, "accounts/person_detail.html", context)


# -- Privacy rights ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request):
    """GET: what the download holds; POST: the download, a JSON attachment."""
    if request.method == "GET":
        return render(request, "accounts/data_export.html")
    data = selectors.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"plant-to-patient-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account_delete(user=request.user)
        logout(request)
        messages.success(
            request,
            _(
                "Your account is deleted. Your published contributions remain, "
                "signed “Former participant”."
            ),
        )
        return redirect("/")
    context = {"form": form, "keep_positions": settings.DELETED_ACCOUNTS_KEEP_POSITIONS}
    return render(request, "accounts/delete_account.html", context)


# -- Invitations (consultation admins) ---------------------------------------------------------


def _require_inviter(request) -> None:
    if not request.user.has_perm("accounts.invite"):
        raise PermissionDenied(_("Only consultation admins may invite people."))


@login_required
def invitation_list(request):
    _require_inviter(request)
    page = Paginator(selectors.invitation_list(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/invitation_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request):
    _require_inviter(request)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitation_create(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The invitation to %(email)s is on its way.") % {"email": invitation.email},
            )
            return redirect("accounts:invitations")
    return render(request, "accounts/invitation_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_import(request):
    _require_inviter(request)
    form = InvitationImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = invitations_import_csv(
            acting_user=request.user,
            file_text=form.cleaned_data["file"],
            consultation=form.cleaned_data["consultation"],
            language=form.cleaned_data["language"],
        )
        form = InvitationImportForm()
    context = {
        "form": form,
        "report": report,
        "stakeholder_groups": StakeholderGroup.objects.all(),
    }
    return render(request, "accounts/invitation_import.html", context)

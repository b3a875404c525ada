from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.functional import lazy
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from recommendations.models import Consultation, Pillar

from .models import StakeholderGroup, User, invitation_language_default
from .services import invitation_get_pending, user_signup_complete
from .validators import PROFILE_REQUIRED_FIELDS

# A translated text holding HTML of our own (a link), safe once translated.
mark_safe_lazy = lazy(mark_safe, SafeString)


class SignupForm(forms.Form):
    """What allauth's sign-up form adds to e-mail and password: who the person is, consent."""

    display_name = forms.CharField(label=_("Your name"), max_length=150)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    job_title = forms.CharField(
        label=pgettext_lazy("job title", "Position"), max_length=200, required=False
    )
    stakeholder_group = forms.ModelChoiceField(
        queryset=StakeholderGroup.objects.all(),
        label=_("Stakeholder group"),
        empty_label=_("Choose your stakeholder group"),
        help_text=_("The kind of stakeholder you speak as."),
    )
    speaks_for_organisation = forms.BooleanField(
        label=_("I speak on behalf of my organisation"), required=False
    )
    interests = forms.CharField(
        label=_("Declaration of interests"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Readers weigh a contribution knowing who may gain from it, so your declaration is "
            "shown with everything you write. Name any employment, funding, shares or "
            "consultancy in the subject of the consultation; write “none” if you have none."
        ),
    )
    accept_terms = forms.BooleanField(
        label=mark_safe_lazy(
            _('I accept the <a href="/terms/" target="_blank">terms of participation</a>')
        ),
        error_messages={"required": _("You must accept the terms of participation to sign up.")},
    )
    accept_privacy = forms.BooleanField(
        label=mark_safe_lazy(
            _('I have read the <a href="/privacy/" target="_blank">privacy notice</a>')
        ),
        error_messages={"required": _("You must acknowledge the privacy notice to sign up.")},
    )
    # The token of the invitation the person followed (?invitation=<token>), if any.
    invitation = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # allauth adds e-mail and passwords: the login first, then who the person is, then consent.
    field_order = [
        "email",
        "password1",
        "password2",
        "display_name",
        "organisation",
        "job_title",
        "stakeholder_group",
        "speaks_for_organisation",
        "interests",
        "accept_terms",
        "accept_privacy",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from allauth.core import context

        request = context.request
        if request is None:
            return
        # The token comes with the link (GET), then in the form's hidden field (POST).
        token = (self.data if self.is_bound else request.GET).get("invitation", "")
        invitation = invitation_get_pending(token) if token else None
        if invitation is not None:
            self._speak_language_of(invitation, request)
        if not self.is_bound and token:
            self._prefill_from_invitation(request, invitation)

    @staticmethod
    def _speak_language_of(invitation, request):
        """The invitee sees the form in the language of their invitation, and signs up in it
        (signup() stores request.LANGUAGE_CODE as their preference), unless they chose one with
        the language switcher (its cookie). Done here, as allauth's view builds the form before
        rendering it: the page and the response's Content-Language follow."""
        if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
            return
        if invitation.language in dict(settings.LANGUAGES):
            translation.activate(invitation.language)
            request.LANGUAGE_CODE = translation.get_language()

    def _prefill_from_invitation(self, request, invitation):
        """Opened from an invitation's link: fill in what the admin knew about the person."""
        from django.contrib import messages

        if invitation is None:
            messages.warning(
                request,
                gettext(
                    "This invitation link has already been used or is no longer valid. You "
                    "can still sign up; if you already have an account, sign in."
                ),
            )
            return
        self.initial.update(
            {
                "invitation": invitation.token,
                "email": invitation.email,
                "display_name": invitation.name,
                "organisation": invitation.organisation,
                "stakeholder_group": invitation.stakeholder_group_id,
            }
        )

    def clean_invitation(self):
        # An invitation used or withdrawn in the meantime is ignored: the sign-up goes on.
        return invitation_get_pending(self.cleaned_data.get("invitation", ""))

    def signup(self, request, user):
        from allauth.account.adapter import get_adapter

        # The language the person signed up in becomes their preference: signed in, the
        # interface follows the preference (UserLanguageMiddleware), not the cookie.
        user_signup_complete(
            user=user, data=self.cleaned_data, language=getattr(request, "LANGUAGE_CODE", None)
        )
        invitation = self.cleaned_data.get("invitation")
        if invitation and invitation.email.lower() == (user.email or "").lower():
            # The invitation reached this address: following its link proves the address,
            # so allauth records it as verified and sends no verification message.
            get_adapter(request).stash_verified_email(request, user.email)


class ProfileForm(forms.ModelForm):
    interests = forms.CharField(
        label=_("Declaration of interests"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Employment, funding, shares, consultancy or other interests in the subject of "
            "the consultation. Write “none” if you have none. Shown with your contributions."
        ),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "organisation",
            "job_title",
            "stakeholder_group",
            "speaks_for_organisation",
            "transparency_register_id",
            "interests",
        ]
        labels = {
            "display_name": _("Your name"),
            "organisation": _("Organisation"),
            "stakeholder_group": _("Stakeholder group"),
        }
        help_texts = {
            "transparency_register_id": _("Optional, e.g. 123456789012-34."),
            "speaks_for_organisation": _(
                "Positions on behalf of an organisation count as such once an administrator "
                "has verified your affiliation."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PROFILE_REQUIRED_FIELDS:
            self.fields[name].required = True
        if self.instance.is_affiliation_verified:
            # Said before saving: the verification is of this organisation, not the next.
            self.fields["organisation"].help_text = _(
                "Your affiliation with this organisation is verified. Changing the "
                "organisation withdraws the verification until an administrator verifies "
                "the new one."
            )


class PreferencesForm(forms.ModelForm):
    pillars_of_interest = forms.ModelMultipleChoiceField(
        queryset=Pillar.objects.select_related("consultation").order_by("consultation", "position"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Pillars of interest"),
        help_text=_("The digest tells you of new and changed recommendations in these pillars."),
    )

    class Meta:
        model = User
        fields = [
            "language",
            "digest_frequency",
            "notify_replies",
            "notify_decisions",
            "notify_appeals",
            "notify_wording_changes",
            "pillars_of_interest",
        ]
        labels = {
            "language": _("Interface and e-mail language"),
            "digest_frequency": _("E-mail digest"),
        }


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    stakeholder_group = forms.ModelChoiceField(
        queryset=StakeholderGroup.objects.all(),
        required=False,
        label=_("Stakeholder group"),
        empty_label=_("Let the person choose"),
    )
    consultation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Consultation"),
        empty_label=_("None in particular"),
        help_text=_("Named in the invitation."),
    )
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        # Not required: left out, the invitation is in the admin's language (the initial).
        required=False,
        label=_("Language of the invitation"),
        help_text=_("The e-mail and the sign-up form it links to are in this language."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = Consultation.objects.order_by("title")
        self.fields["language"].initial = invitation_language_default()


class InvitationImportForm(forms.Form):
    MAX_BYTES = 1_000_000

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, one person a line, the first line naming the columns: "
            "email, name, organisation, stakeholder_group (its short name or its full name) "
            "and, if you wish, language (en, nl, fr or de)."
        ),
    )
    consultation = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Consultation"),
        empty_label=_("None in particular"),
        help_text=_("Named in every invitation of the file."),
    )
    language = forms.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        label=_("Language of the invitations"),
        help_text=_("For the lines that name no language of their own."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultation"].queryset = Consultation.objects.order_by("title")
        self.fields["language"].initial = invitation_language_default()

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(
                gettext("The file has %(size)s bytes; the limit is %(limit)s.")
                % {"size": f"{upload.size:,}", "limit": f"{self.MAX_BYTES:,}"}
            )
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                gettext("The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”.")
            ) from None


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To confirm that it is you."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(gettext("That is not your password. Nothing was deleted."))
        return password

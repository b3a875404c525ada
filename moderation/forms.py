"""The moderation forms. They check the shape of what is posted; the services check the rules
and the state (so a refused decision keeps what the moderator typed)."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultation.models import ModerationState

from .models import Flag, ModerationAction, ReasonTemplate
from .services import CONTENT_ACTIONS, reason_compose

Action = ModerationAction.Action
ITEM_ACTIONS = [*CONTENT_ACTIONS, Action.WARN, Action.SUSPEND]
ACTION_LABELS = {
    Action.APPROVE: _("Approve: publish it"),
    Action.REJECT: _("Reject it"),
    Action.HIDE: _("Hide it"),
    Action.RESTORE: _("Restore it: publish it again"),
    Action.DISMISS_FLAGS: _("Dismiss the reports"),
    Action.WARN: _("Warn the author"),
    Action.SUSPEND: _("Suspend the author"),
}


class ReasonFields(forms.Form):
    """A reason picked from the templates, or written, or both (the note follows)."""

    reason_template = forms.ModelChoiceField(
        queryset=ReasonTemplate.objects.filter(active=True),
        required=False,
        label=_("Reason"),
        empty_label=_("Write my own"),
    )
    reason = forms.CharField(
        label=_("Reason in your words (or a note after the chosen one)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3_000,
    )

    @property
    def composed_reason(self) -> str:
        return reason_compose(
            template=self.cleaned_data.get("reason_template"),
            text=self.cleaned_data.get("reason", ""),
        )


class DecisionForm(ReasonFields):
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in ITEM_ACTIONS])
    expected_state = forms.ChoiceField(choices=ModerationState.choices, widget=forms.HiddenInput)
    until = forms.DateField(
        label=_("Suspended until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a suspension: the day it ends, or tick “for good”."),
    )
    for_good = forms.BooleanField(label=_("Suspend for good"), required=False)

    @property
    def until_datetime(self) -> datetime.datetime | None:
        day = self.cleaned_data.get("until")
        if day is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class LiftSuspensionForm(ReasonFields):
    """Lift a person's suspension: the reason is all (the person reads it)."""


class BulkForm(ReasonFields):
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in CONTENT_ACTIONS])
    items = forms.MultipleChoiceField(required=True)  # choices are checked by parse_item

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].valid_value = lambda value: parse_item(value) is not None
        self.fields["items"].error_messages["required"] = _("Tick the items to act on.")


def parse_item(value: str) -> tuple[str, int, str] | None:
    """ "comment:12:pending" -> ("comment", 12, "pending"); None if malformed."""
    parts = value.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ModerationState.values:
        return None
    return parts[0], int(parts[1]), parts[2]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"), choices=Flag.Reason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=1_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for “something else”; helpful for the others."),
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == Flag.Reason.OTHER and not data.get("text", "").strip():
            self.add_error("text", _("Say what is wrong with it."))
        return data


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=3_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AppealDecisionForm(ReasonFields):
    outcome = forms.ChoiceField(
        label=_("Your decision (final)"),
        choices=[
            ("uphold", _("Uphold the decision: the appeal fails")),
            ("overturn", _("Overturn the decision")),
        ],
        widget=forms.RadioSelect,
    )

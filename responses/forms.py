from django import forms
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import ImplementationUpdate


def _comment_label(comment) -> str:
    return f"#{comment.pk} {comment.author.public_name}: {Truncator(comment.body).chars(90)}"


def _amendment_label(amendment) -> str:
    return (
        f"#{amendment.pk} {amendment.author.public_name} ({amendment.get_status_display()}): "
        f"{Truncator(amendment.title).chars(90)}"
    )


class ResponseForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))
    text = forms.CharField(
        label=_("Response"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The reasons, in Markdown."),
        max_length=20_000,
    )
    proposed_title = forms.CharField(
        label=_("Resulting wording: title"),
        required=False,
        max_length=300,
        help_text=_("Leave blank to keep the current wording."),
    )
    proposed_body = forms.CharField(
        label=_("Resulting wording: text"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    comments = forms.TypedMultipleChoiceField(
        label=_("Comments it answers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    amendments = forms.TypedMultipleChoiceField(
        label=_("Amendments it answers"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=500,
        help_text=_("Required once the response is published: readers see it."),
    )

    def __init__(self, *args, statuses, comments, amendments, **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses = {str(s.pk): s for s in statuses}
        self.fields["status"].choices = [(str(s.pk), s.name) for s in statuses]
        self.fields["comments"].choices = [(c.pk, _comment_label(c)) for c in comments]
        self.fields["amendments"].choices = [(a.pk, _amendment_label(a)) for a in amendments]

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["status"] = self.statuses[data["status"]]
        data["comment_ids"] = data.pop("comments")
        data["amendment_ids"] = data.pop("amendments")
        return data


class ReviewForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave blank to publish now."),
    )


class UpdateForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label=_("Status"), choices=ImplementationUpdate.Status.choices)
    progress = forms.IntegerField(
        label=_("Progress (%)"), required=False, min_value=0, max_value=100
    )
    text = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5_000
    )

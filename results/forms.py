from django import forms
from django.utils.translation import gettext_lazy as _


class PillarFilterForm(forms.Form):
    """The results' one filter: a pillar of the consultation (blank: all of them)."""

    pillar = forms.ChoiceField(label=_("Pillar"), required=False)

    def __init__(self, *args, pillars, **kwargs):
        super().__init__(*args, **kwargs)
        self.pillars = {p.code: p for p in pillars}
        self.fields["pillar"].choices = [("", _("All pillars"))] + [
            (p.code, f"{p.code} · {p.title}") for p in pillars
        ]
        self.fields["pillar"].error_messages["invalid_choice"] = _(
            "This consultation has no pillar %(value)s: choose one from the list."
        )

    def selected(self):
        """The chosen pillar (None for all); call after is_valid()."""
        return self.pillars.get(self.cleaned_data.get("pillar") or "")

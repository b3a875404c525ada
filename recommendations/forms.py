from django import forms
from django.utils.translation import gettext_lazy as _

from .seeding import SeedError, seed_import


class SeedUploadForm(forms.Form):
    """The admin's seed upload: the same validation and errors as `seed_recommendations`."""

    file = forms.FileField(
        help_text=_("A seed file in YAML, JSON or CSV (see the README's schema).")
    )

    MAX_SIZE = 5 * 1024 * 1024

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        self.report = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            self.report = seed_import(
                sources=[(upload.name, upload.read())], acting_user=self.acting_user
            )
        except SeedError as exc:
            raise forms.ValidationError([str(p) for p in exc.problems]) from exc
        return upload

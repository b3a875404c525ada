from django import forms
from django.utils.translation import gettext_lazy as _

from .seeding import SeedError, seed_import, size_problem


class SeedUploadForm(forms.Form):
    """The admin's seed upload: the same validation, limit and errors as
    `seed_recommendations` (its first import; re-imports report, never overwrite)."""

    file = forms.FileField(
        help_text=_("A seed file in YAML, JSON or CSV (see the README's schema).")
    )

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        self.report = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        too_big = size_problem(upload.name, upload.size)
        if too_big:
            raise forms.ValidationError(str(too_big))
        try:
            self.report = seed_import(
                sources=[(upload.name, upload.read())], acting_user=self.acting_user
            )
        except SeedError as exc:
            raise forms.ValidationError([str(p) for p in exc.problems]) from exc
        return upload

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Advocate, Pillar, Recommendation


class RecommendationFilter(django_filters.FilterSet):
    """The filters of the recommendation list; the web page and the API share it."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    pillar = django_filters.ModelChoiceFilter(
        queryset=Pillar.objects.none(),
        to_field_name="code",
        label=_("Pillar"),
        empty_label=_("All pillars"),
    )
    advocate = django_filters.ModelChoiceFilter(
        queryset=Advocate.objects.all(),
        to_field_name="slug",
        field_name="advocates",
        label=_("Advocates"),
        empty_label=_("All advocates"),
    )
    source = django_filters.ChoiceFilter(
        choices=[], label=_("Source"), empty_label=_("All sources")
    )
    status = django_filters.ChoiceFilter(
        choices=Recommendation.Status.choices, label=_("Status"), empty_label=_("Any status")
    )

    class Meta:
        model = Recommendation
        fields = ["q", "pillar", "advocate", "source", "status"]

    def __init__(self, *args, consultation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if consultation is not None:
            self.filters["pillar"].queryset = consultation.pillars.all()
            self.filters["advocate"].queryset = Advocate.objects.filter(
                recommendations__consultation=consultation
            ).distinct()
            # The kinds the consultation's own file defines, in its words. The filter may have
            # built its form field already (copied from the class's, e.g. for the API
            # schema): dropped, it is built again with these choices.
            source = self.filters["source"]
            source.extra["choices"] = [
                (kind["code"], kind["label"]) for kind in consultation.source_kinds or []
            ]
            source.__dict__.pop("_field", None)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(body__icontains=value)
            | Q(rationale__icontains=value)
            | Q(reference__iexact=value)
        )

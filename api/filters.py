"""The recommendation list's filters: the web list's own (recommendations.filters) plus what
only the API offers."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend

from recommendations.filters import RecommendationFilter

ORDERINGS = {
    "recent": ("-updated_at", "-pk"),
    "most-endorsed": ("-endorsement_count", "pillar__position", "position", "reference"),
    "most-discussed": ("-comment_count", "pillar__position", "position", "reference"),
}


class StrictNullBooleanField(forms.NullBooleanField):
    """true/false (or 1/0); anything else is an error, not ignored as Django's field does."""

    widget = forms.TextInput  # the value as sent (Django's select widget maps others to None)

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise ValidationError("Give true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


class RecommendationApiFilter(RecommendationFilter):
    has_amendments = StrictBooleanFilter(
        method="filter_has_amendments",
        label="Has amendments (true: at least one published; false: none).",
    )
    ordering = django_filters.ChoiceFilter(
        method="order",
        choices=[(key, key) for key in ORDERINGS],
        label="recent (last changed first), most-endorsed or most-discussed; "
        "the document's order by default.",
    )

    class Meta(RecommendationFilter.Meta):
        fields = [*RecommendationFilter.Meta.fields, "has_amendments", "ordering"]

    def filter_has_amendments(self, queryset, name, value):
        if value is None:
            return queryset
        # Counted amendments (the summary's, what the list's count shows): no NULL test
        # needed, a recommendation without a summary row has none.
        amended = Q(counts__amendments__gt=0)
        return queryset.filter(amended if value else ~amended)

    def order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value]) if value in ORDERINGS else queryset


class ConsultationFilterBackend(DjangoFilterBackend):
    """Gives the filter set the view's consultation, as the web list does (its pillars and
    advocates are the choices)."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["consultation"] = getattr(view, "consultation", None)
        return kwargs

"""Shared fields and the person as the API shows them."""

from rest_framework import serializers

# Database integers: larger numbers are not found rather than an error of the database's.
MAX_ID = 2**63 - 1
MAX_NUMBER = 2**31 - 1
MAX_PAGE_SIZE = 100  # items a page, in every list (api.pagination)


def IdField(**kwargs):  # noqa: N802 - a field, named like one
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class PersonSerializer(serializers.Serializer):
    """A contributor as the pages show them (a deleted account shows as a pseudonym)."""

    id = serializers.IntegerField(source="pk", read_only=True)
    name = serializers.CharField(source="public_name", read_only=True)
    organisation = serializers.SerializerMethodField()
    stakeholder_group = serializers.SerializerMethodField(
        help_text="The group's slug, as in /api/me/ (`null`: none given)."
    )
    stakeholder_group_label = serializers.SerializerMethodField(
        help_text="The group's name, for people to read."
    )

    def get_organisation(self, user) -> str:
        return "" if user.deleted_at else user.organisation

    def get_stakeholder_group(self, user) -> str | None:
        group = user.stakeholder_group
        return group.slug if group and not user.deleted_at else None

    def get_stakeholder_group_label(self, user) -> str | None:
        group = user.stakeholder_group
        return group.label if group and not user.deleted_at else None


class PageSizeQuerySerializer(serializers.Serializer):
    """?page_size=<1..100>, which every list takes (api.pagination): the one rule. Each
    list's default size is its web page's own (50 for the lists DRF pages)."""

    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        help_text=f"Items a page, 1 to {MAX_PAGE_SIZE}; left out, the web page's size.",
    )


class PageQuerySerializer(PageSizeQuerySerializer):
    """?page=<n>&page_size=<1..100>: the query of the lists paged by number."""

    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_NUMBER)

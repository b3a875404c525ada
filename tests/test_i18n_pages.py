"""Pages complete in the reader's language: a crawl of the site in French (tests/site_crawl.py)
finds no English month or weekday in a date and no English stakeholder group name; the
stakeholder groups are named in the reader's language wherever they are shown (pages, the
API, the CSV's headers, the digests), decided in one place (accounts.models.
stakeholder_group_label)."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import SEEDED_GROUP_NAMES, StakeholderGroup, stakeholder_group_label
from results.exports import report_csv
from results.selectors import report_data
from tests.site_crawl import contribute, crawl

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# A date written the English way: a month next to a number, or a weekday.
ENGLISH_DATE = re.compile(
    rf"\b\d{{1,2}}\.? (?:{MONTHS})\b|\b(?:{MONTHS}) \d{{1,4}}\b"
    r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}\b"
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
TAGS = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]+>", re.S)


def text_of(page: str) -> str:
    """What a reader reads: the page without its tags (attributes such as `datetime` are
    for machines)."""
    return html.unescape(TAGS.sub(" ", page))


def test_the_english_date_pattern_finds_english_dates_only():
    assert ENGLISH_DATE.search("posted 3 December 2026, 18:00")
    assert ENGLISH_DATE.search("Week of November 30, 2026")
    assert ENGLISH_DATE.search("Monday")
    assert not ENGLISH_DATE.search("publié le 3 décembre 2026 · mai 2026 · May we ask")


@pytest.mark.parametrize("language", ["fr", "nl", "de"])
def test_each_seeded_stakeholder_group_has_its_name_in_each_language(db, language):
    names = set(StakeholderGroup.objects.values_list("name", flat=True))
    assert names <= SEEDED_GROUP_NAMES  # the migration seeds what is marked for translation
    with translation.override(language):
        for group in StakeholderGroup.objects.all():
            assert str(group) == group.label != group.name, group.name
        assert stakeholder_group_label(None) != "No group given"
    assert stakeholder_group_label("A group an admin added") == "A group an admin added"


@pytest.mark.django_db
def test_a_french_reader_meets_no_english_date_nor_group_name_on_any_page(
    client, white_paper, stakeholder, make_person, stakeholder_group
):
    contribute(white_paper, stakeholder, make_person)
    stakeholder.language = "fr"
    stakeholder.save(update_fields=["language"])
    client.force_login(stakeholder)
    pages = crawl(client)
    assert len(pages) > 40
    with translation.override("fr"):
        french_group = stakeholder_group.label
    english = []
    seen_group = False
    for url, page in pages:
        assert 'lang="fr"' in page[:300] or url.endswith("(htmx)"), url
        # The source document's own words stay as written (English here), dates included.
        text = text_of(page).replace(white_paper.source_document, "")
        seen_group |= french_group in text
        english += [f"{url}: {m.group(0)!r}" for m in ENGLISH_DATE.finditer(text)]
        english += [f"{url}: {name!r}" for name in SEEDED_GROUP_NAMES if name in text]
    assert not english, "\n".join(english[:40])
    assert seen_group  # the person's group, in French, on their contributions and the results


@pytest.mark.django_db
def test_the_api_the_csv_and_the_digest_name_the_groups_in_the_readers_language(
    client, white_paper, stakeholder, make_person
):
    first = contribute(white_paper, stakeholder, make_person)
    url = reverse("api:results-json", args=[white_paper.slug])
    data = client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()
    groups = {
        g["group"]
        for r in data["recommendations"]
        if r["reference"] == first.reference
        for g in r["groups"]
    }
    assert groups == {"Patientenorganisation", "Keine Gruppe angegeben"}, groups
    with translation.override("nl"):
        header = "".join(report_csv(report_data(consultation=white_paper))).splitlines()[0]
    assert "Patiëntenorganisatie: endorse" in header and "Patient organisation" not in header

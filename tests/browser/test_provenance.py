"""A reader checks the record against the paper: the editorial mark on a title of ours, and a
challenge's own page with its verbatim passage, section and provenance."""

import re

from playwright.sync_api import expect

from recommendations.models import Challenge, Recommendation, TextSource


def test_an_editorial_title_is_marked_and_its_passage_shown(page, white_paper):
    editorial = Recommendation.objects.get(
        consultation=white_paper, title_source=TextSource.EDITORIAL
    )
    page.goto(editorial.get_absolute_url())
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(editorial.title)
    mark = heading.locator(".editorial")
    expect(mark).to_have_text("Editorial title")
    expect(mark).to_have_attribute("title", re.compile("This title is ours"))
    provenance = page.get_by_role("region", name="Provenance")
    expect(provenance).to_contain_text("Editorial: the source document gives no title here.")
    expect(provenance.locator("blockquote")).to_have_text(editorial.source_passage)
    expect(provenance).to_contain_text(white_paper.source_document)
    expect(provenance).to_contain_text("from-plant-to-patient.yaml")
    # A title from the paper carries no mark.
    page.goto(Recommendation.objects.get(reference="P2-R1").get_absolute_url())
    expect(page.get_by_role("heading", level=1).locator(".editorial")).to_have_count(0)
    assert page.console_errors == []


def test_a_challenge_has_its_page_with_its_passage(page, white_paper):
    challenge = Challenge.objects.get(consultation=white_paper, code="P3-C2")
    recommendation = challenge.recommendations.order_by("position").first()
    page.goto(recommendation.get_absolute_url())
    answers = page.get_by_role("region", name="Challenges it answers")
    expect(answers.locator("blockquote").first).to_be_visible()
    answers.get_by_role("link", name=re.compile(challenge.code)).click()

    expect(page).to_have_url(re.compile(rf"/challenges/{challenge.code}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(challenge.title)
    expect(page.locator(".body")).to_have_text(challenge.body)
    provenance = page.get_by_role("region", name="Provenance")
    quote = provenance.locator("blockquote")
    # Verbatim, the paper's emphasis shown as emphasis: both attributions in their brackets.
    expect(quote).to_have_text(challenge.source_passage.replace("*", ""))
    expect(quote.locator("strong")).to_have_text(
        "Current budget frameworks do not reflect the long-term and societal value of ATMPs"
    )
    expect(quote.locator("em")).to_have_text(["Johnson & Johnson", "government official"])
    expect(provenance.locator(".source-section")).to_have_text(challenge.source_section)
    attribution = page.locator("dl.facts dt:text-is('Attribution') + dd")
    expect(attribution.get_by_role("link")).to_have_text(
        ["Johnson & Johnson", "government official"]
    )
    answering = page.get_by_role("region", name="Recommendations that answer it")
    expect(answering.locator("article.card .ref")).to_have_text(
        list(
            challenge.recommendations.order_by("pillar__position", "position").values_list(
                "reference", flat=True
            )
        )
    )
    assert page.console_errors == []
